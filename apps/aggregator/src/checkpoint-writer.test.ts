// The checkpoint writer over the real operator, with a fake store and a recording mirror: the
// plan is taken at once, dead letters go before the commit, and a commit moves the partitions on
// (Redis, the publisher, the offset hint) while a fenced one drops them.
import { ClickAggregator } from "@adclicks/core";
import { pino } from "pino";
import { Registry } from "prom-client";
import { expect, test } from "vitest";
import { type CheckpointStore, CheckpointWriter, type CommitOutcome } from "./checkpoint-writer";
import { createAggregatorMetrics } from "./metrics";
import { createRetry } from "./retry";

const NOW = Date.UTC(2026, 0, 1, 12, 0, 30);

const click = (i: number) =>
  JSON.stringify({
    event_id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    ad_id: "ad-1",
    click_timestamp: NOW - 1_000,
    user_id: "u-1",
    ip: "10.0.0.1",
    country: "US",
  });

function setup(outcome: (plan: Parameters<CheckpointStore["commit"]>[0]) => CommitOutcome) {
  const op = new ClickAggregator();
  op.assign(0, undefined, NOW);
  op.assign(1, undefined, NOW);
  for (let i = 0; i < 5; i++) op.process(i % 2, Math.floor(i / 2), click(i), NOW);
  const steps: string[] = [];
  const state = { deadLetters: [{ key: "malformed_json", value: "{}" }], failSends: 0, stopping: false };
  const metrics = createAggregatorMetrics(new Registry(), { defaults: false });
  const log = pino({ level: "silent" });
  const store: CheckpointStore = {
    load: async () => new Map(),
    commit: async (plan, deleting) => {
      steps.push(
        `commit ${plan.partitions.map((p) => `${p.partition}@${p.nextOffset}`).join(" ")} -${deleting.length}`,
      );
      return outcome(plan);
    },
  };
  const writer = new CheckpointWriter({
    op,
    store,
    mirror: {
      outboxToDelete: () => [{ partition: 0, seq: 7 }],
      outboxDeleted: (n) => steps.push(`outbox deleted ${n}`),
      remember: (p, seq, counts) => steps.push(`remember ${p}#${seq} (${counts.clicks} clicks)`),
      kick: (ps) => steps.push(`redis ${[...ps].join(",")}`),
    },
    publisher: { kick: () => steps.push("publish") },
    takeDeadLetters: () => state.deadLetters.splice(0),
    sendDeadLetters: async (messages) => {
      if (state.failSends-- > 0) throw new Error("broker unavailable");
      steps.push(`dead letters ${messages.length}`);
    },
    commitOffsetsHint: (offsets) => steps.push(`hint ${offsets.map((o) => `${o.partition}@${o.offset}`).join(" ")}`),
    forget: (p) => {
      op.revoke(p);
      steps.push(`forget ${p}`);
    },
    retry: createRetry({ stopping: () => state.stopping, metrics, log, sleep: async () => {} }),
    clock: { now: () => NOW },
    metrics,
    log,
  });
  return { op, steps, state, writer, metrics };
}

const committed = (): CommitOutcome => ({
  kind: "committed",
  finalized: [],
  checkpoints: new Map([
    [5, { partition: 5, nextOffset: 9, seq: 3, maxEventMs: NOW, dedupFromOffset: 0, updatedAtMs: NOW }],
  ]),
});

test("a commit: the plan taken at once, dead letters first, then Redis, the publisher and the hint", async () => {
  const { op, steps, writer } = setup(committed);
  const write = writer.write();
  // Taken before the first await: the next batch counts into fresh counts.
  expect(op.unplannedClicks()).toBe(0);
  await write;
  expect(steps).toEqual([
    "dead letters 1",
    "commit 0@3 1@2 -1",
    "outbox deleted 1",
    "remember 0#1 (3 clicks)",
    "remember 1#1 (2 clicks)",
    "hint 0@3 1@2",
    "redis 0,1",
    "publish",
  ]);
  expect([op.committedSeq(0), op.committedSeq(1)]).toEqual([1, 1]);
});

test("a failed dead-letter send is retried: the offsets never move past an unsent rejection", async () => {
  const { steps, state, writer, metrics } = setup(committed);
  state.failSends = 2;
  await writer.write();
  expect(steps.slice(0, 2)).toEqual(["dead letters 1", "commit 0@3 1@2 -1"]);
  expect((await metrics.checkpointFailures.get()).values).toEqual([
    { labels: { kind: "send dead letters" }, value: 2 },
  ]);
});

test("fenced: nothing was written, so every partition of the plan is dropped and re-read", async () => {
  // Partition 1 was advanced by another worker; partition 0's counts were in the same rolled-back
  // transaction, so keeping partition 0 would lose them (its next checkpoint would move past them).
  const { op, steps, writer, metrics } = setup(() => ({ kind: "fenced", partitions: [1] }));
  await writer.write();
  expect(steps).toEqual(["dead letters 1", "commit 0@3 1@2 -1", "forget 0", "forget 1"]);
  expect(op.owned()).toEqual([]);
  expect(op.committedSeq(0)).toBe(-1);
  expect((await metrics.checkpointFailures.get()).values).toEqual([{ labels: { kind: "fenced" }, value: 1 }]);
});

test("stopping, a commit that keeps failing fails the write (its plan is gone with it)", async () => {
  const { steps, state, writer } = setup(() => {
    throw new Error("postgres gone");
  });
  state.stopping = true;
  await expect(writer.write()).rejects.toThrow("postgres gone");
  expect(steps.filter((s) => s.startsWith("commit"))).toHaveLength(4);
  expect(steps.some((s) => s.startsWith("remember"))).toBe(false);
});
