// The aggregator as `npm start` runs it, under the supervisor: SIGKILLed mid-stream, it is
// started again (with a line naming the signal) and counting goes on to exact totals.
import { MINUTE_MS } from "@adclicks/core";
import { createPool } from "@adclicks/db";
import { Supervisor } from "@adclicks/supervisor";
import { createTestEnv, waitFor } from "@adclicks/test-utils";
import { expect, test } from "vitest";
import { WORKER_ENV, WORKER_NODE_FLAGS } from "../src/runtime";
import { makeTraffic } from "./events";
import { checkpointedOffsets, produce, rollupCells } from "./harness";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;

test("SIGKILLed under the supervisor: restarted after 1 s, counts exact", async () => {
  const env = await createTestEnv("agg-supervised", { partitions: 4 });
  const pool = createPool(env.databaseUrl, 2);
  const group = `agg-${env.id}`;
  const lines: string[] = [];
  const supervisor = new Supervisor(
    {
      name: "aggregator",
      command: process.execPath,
      args: [...WORKER_NODE_FLAGS, "--import", "tsx", MAIN],
      env: env.childEnv({
        ...WORKER_ENV,
        AGGREGATOR_GROUP: group,
        METRICS_PORT: "0",
        CHECKPOINT_INTERVAL_MS: "250",
        KAFKA_SESSION_TIMEOUT_MS: "6000",
        LOG_LEVEL: "warn",
      }),
    },
    { log: (l) => lines.push(l) },
  );
  try {
    const t = makeTraffic({
      count: 60_000,
      seed: 17,
      startMs: Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS,
      spanMs: 5 * MINUTE_MS,
      duplicateRatio: 0.05,
      malformedRatio: 0.01,
    });
    const producing = produce(env, t.messages, 1_000, 100);
    await waitFor("first checkpoints", async () => (await checkpointedOffsets(pool, group)) > 0, {
      timeoutMs: 90_000,
    });
    const first = supervisor.pid!;
    process.kill(first, "SIGKILL");
    const restarted = await waitFor("a restarted aggregator", () => supervisor.pid !== first && supervisor.pid, {
      timeoutMs: 30_000,
    });
    expect(restarted).not.toBe(first);
    expect(lines.join("\n")).toMatch(/aggregator was killed by SIGKILL after [\d.]+ m?s: restarting in 1 s/);
    await producing;
    await waitFor(
      "every record checkpointed after the restart",
      async () => (await checkpointedOffsets(pool, group)) === t.messages.length,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(await rollupCells(pool)).toEqual(t.truth);
    await supervisor.stop();
    expect(lines.at(-1)).toMatch(/aggregator stopped \(/);
  } finally {
    await supervisor.stop("SIGKILL");
    await pool.end();
    await env.cleanup();
  }
});
