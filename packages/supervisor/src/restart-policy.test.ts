// The restart policy driven by the test's clock: backoff doubling to the cap, the reset after a
// long run, giving up on fast failures, and never restarting during a stop.
import { expect, test } from "vitest";
import {
  DEFAULT_RESTART_POLICY,
  decideRestart,
  INITIAL_RESTART_STATE,
  type RestartDecision,
  type RestartState,
} from "./restart-policy";

/** Runs of the given lengths, one after the other (each restart after its delay). */
function runs(upMs: number[], opts = DEFAULT_RESTART_POLICY): RestartDecision[] {
  let state: RestartState = INITIAL_RESTART_STATE;
  let now = 0;
  const out: RestartDecision[] = [];
  for (const up of upMs) {
    const d = decideRestart(state, { startedAtMs: now, exitedAtMs: now + up, stopping: false }, opts);
    out.push(d);
    if (d.kind !== "restart") break;
    state = d.state;
    now += up + d.delayMs;
  }
  return out;
}

const delays = (ds: RestartDecision[]) => ds.map((d) => (d.kind === "restart" ? d.delayMs : d.kind));

test("backoff doubles from 1 s and stops at 30 s", () => {
  expect(delays(runs(Array(8).fill(20_000)))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
});

test("a run of a minute or more resets the backoff", () => {
  expect(delays(runs([20_000, 20_000, 20_000, 60_000, 20_000]))).toEqual([1_000, 2_000, 4_000, 1_000, 2_000]);
});

test("five fast failures in a row: gives up, saying why", () => {
  const ds = runs([500, 800, 300, 2_000, 900, 100]);
  expect(delays(ds)).toEqual([1_000, 2_000, 4_000, 8_000, "give-up"]);
  const last = ds.at(-1);
  expect(last?.kind === "give-up" && last.reason).toBe("5 failures in a row, each within 10 s of starting");
});

test("a slower failure between fast ones starts the count again", () => {
  expect(delays(runs([500, 500, 500, 500, 15_000, 500, 500, 500, 500]))).not.toContain("give-up");
});

test("an exit during a stop is never restarted", () => {
  const d = decideRestart(INITIAL_RESTART_STATE, { startedAtMs: 0, exitedAtMs: 100, stopping: true });
  expect(d).toEqual({ kind: "stopped" });
});

test("the options shape the policy (a faster cap for a fault-injection run)", () => {
  const opts = { ...DEFAULT_RESTART_POLICY, maxDelayMs: 4_000, maxFastFailures: 100 };
  expect(delays(runs(Array(6).fill(1_000), opts))).toEqual([1_000, 2_000, 4_000, 4_000, 4_000, 4_000]);
});
