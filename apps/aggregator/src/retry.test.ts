// The retry helper with a fake sleep: capped exponential backoff, each failure counted and
// logged, never giving up while running and giving up after a few attempts once stopping.
import { pino } from "pino";
import { Registry } from "prom-client";
import { expect, test } from "vitest";
import { createAggregatorMetrics } from "./metrics";
import { backoffMs, createRetry, STOPPING_ATTEMPTS } from "./retry";

function setup() {
  const waits: number[] = [];
  const state = { stopping: false };
  const metrics = createAggregatorMetrics(new Registry(), { defaults: false });
  const retry = createRetry({
    stopping: () => state.stopping,
    metrics,
    log: pino({ level: "silent" }),
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  /** An operation that fails `n` times, then returns "ok". */
  const failing = (n: number) => {
    let calls = 0;
    return async () => {
      if (calls++ < n) throw new Error(`failure ${calls}`);
      return "ok";
    };
  };
  return { waits, state, metrics, retry, failing };
}

test("the backoff doubles from 100 ms and stays at 5 s", () => {
  expect([0, 1, 2, 5, 6, 20].map(backoffMs)).toEqual([100, 200, 400, 3_200, 5_000, 5_000]);
});

test("while running, an operation is retried until it succeeds; each failure counted", async () => {
  const { waits, metrics, retry, failing } = setup();
  expect(await retry("checkpoint", failing(9))).toBe("ok");
  expect(waits).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]);
  expect((await metrics.checkpointFailures.get()).values).toEqual([{ labels: { kind: "checkpoint" }, value: 9 }]);
});

test("once stopping, the failure is passed on after a few attempts", async () => {
  const { waits, state, retry, failing } = setup();
  state.stopping = true;
  await expect(retry("load checkpoints", failing(100))).rejects.toThrow(`failure ${STOPPING_ATTEMPTS}`);
  expect(waits).toHaveLength(STOPPING_ATTEMPTS - 1);
  expect(await retry("load checkpoints", failing(STOPPING_ATTEMPTS - 1))).toBe("ok");
});
