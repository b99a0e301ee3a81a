// The Redis mirror against fakes of its two ports: a Redis that applies a range only when its
// last seq is fromSeq - 1 (as the Lua script does), and an outbox of committed checkpoints.
// Each checkpoint's cells name their seq, so a checkpoint applied twice shows in the totals.
import { MinuteCounts } from "@adclicks/core";
import { pino } from "pino";
import { Registry } from "prom-client";
import { expect, test } from "vitest";
import { createAggregatorMetrics } from "./metrics";
import { type LiveWindowsPort, type OutboxPort, RedisMirror, type SeqRange } from "./redis-mirror";

const CELLS = 3;

/** Checkpoint `seq` of partition `p`: CELLS cells of its own, `seq` clicks each. */
function checkpoint(p: number, seq: number): MinuteCounts {
  const c = new MinuteCounts();
  for (let i = 0; i < CELLS; i++) c.add(0, "US", `p${p}-s${seq}-${i}`, seq);
  return c;
}

/** The totals of checkpoints `seqs` of partition `p`, each applied once. */
function once(p: number, seqs: number[]): Map<string, number> {
  const m = new MinuteCounts();
  for (const s of seqs) m.mergeFrom(checkpoint(p, s));
  return totals(m);
}

function totals(c: MinuteCounts): Map<string, number> {
  return new Map([...c.deltas()].map((d) => [d.adId, d.clicks]));
}

class FakeRedis implements LiveWindowsPort {
  readonly applied = new Map<number, number>();
  readonly windows = new MinuteCounts();
  readonly calls: SeqRange[] = [];
  isReady = true;
  rebuilds = 0;
  /** What a rebuild finds in Postgres: the partitions' committed seqs and their cells. */
  onRebuild: () => void = () => {};
  failNext: Error | undefined;
  running = 0;
  maxRunning = 0;

  async apply(range: SeqRange, counts: MinuteCounts) {
    this.calls.push({ ...range });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise((r) => setImmediate(r));
    this.running--;
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
    if (!this.isReady) return { kind: "not_ready" } as const;
    const last = this.applied.get(range.partition) ?? 0;
    if (last !== range.fromSeq - 1) return { kind: "mismatch", lastApplied: last } as const;
    this.applied.set(range.partition, range.toSeq);
    this.windows.mergeFrom(counts);
    return { kind: "applied" } as const;
  }

  async ready() {
    return this.isReady;
  }

  async rebuild() {
    this.rebuilds++;
    this.onRebuild();
    this.isReady = true;
    return { rebuilt: true, rows: 0 };
  }
}

class FakeOutbox implements OutboxPort {
  readonly rows = new Map<number, Map<number, MinuteCounts>>();
  reads = 0;

  write(p: number, seq: number): void {
    const rows = this.rows.get(p) ?? new Map<number, MinuteCounts>();
    rows.set(seq, checkpoint(p, seq));
    this.rows.set(p, rows);
  }

  async read(p: number, afterSeq: number) {
    this.reads++;
    return [...(this.rows.get(p) ?? new Map<number, MinuteCounts>())]
      .filter(([seq]) => seq > afterSeq)
      .sort((a, b) => a[0] - b[0])
      .map(([seq, counts]) => ({ seq, addTo: (into: MinuteCounts) => into.mergeFrom(counts) }));
  }
}

function setup(opts: { applyMaxCells?: number; memoryMaxCells?: number } = {}) {
  const redis = new FakeRedis();
  const outbox = new FakeOutbox();
  const committed = new Map<number, number>();
  const state = { stopping: false, owned: new Set([0, 1]) };
  const metrics = createAggregatorMetrics(new Registry(), { defaults: false });
  const mirror = new RedisMirror({
    live: redis,
    outbox,
    committedSeq: (p) => (state.owned.has(p) ? (committed.get(p) ?? 0) : -1),
    owns: (p) => state.owned.has(p),
    stopping: () => state.stopping,
    metrics,
    log: pino({ level: "silent" }),
    ...opts,
  });
  /** Commits checkpoint `seq` of `p`: in the outbox, and (unless `inMemory` is false) remembered. */
  const commit = (p: number, seq: number, inMemory = true) => {
    outbox.write(p, seq);
    committed.set(p, seq);
    if (inMemory) mirror.remember(p, seq, checkpoint(p, seq));
  };
  const sync = async (partitions = [0]) => {
    mirror.kick(partitions);
    await mirror.drained();
  };
  const applies = async () =>
    Object.fromEntries((await metrics.redisApplies.get()).values.map((v) => [v.labels.result, v.value]));
  return { redis, outbox, mirror, committed, state, commit, sync, applies };
}

test("our checkpoints go from memory, in seq order, merged into one apply", async () => {
  const { redis, outbox, mirror, commit, sync } = setup();
  for (const seq of [1, 2, 3]) commit(0, seq);
  await sync();
  expect(redis.calls).toEqual([{ partition: 0, fromSeq: 1, toSeq: 3 }]);
  expect(totals(redis.windows)).toEqual(once(0, [1, 2, 3]));
  expect(outbox.reads).toBe(0);
  // The outbox rows up to the last applied seq go with the next commit.
  expect(mirror.outboxToDelete()).toEqual([{ partition: 0, seq: 3 }]);
  mirror.outboxDeleted(1);
  expect(mirror.outboxToDelete()).toEqual([]);
});

test("merging stops at the cell budget (the first checkpoint always goes)", async () => {
  const { redis, commit, sync } = setup({ applyMaxCells: 2 * CELLS });
  for (const seq of [1, 2, 3, 4, 5]) commit(0, seq);
  await sync();
  expect(redis.calls).toEqual([
    { partition: 0, fromSeq: 1, toSeq: 2 },
    { partition: 0, fromSeq: 3, toSeq: 4 },
    { partition: 0, fromSeq: 5, toSeq: 5 },
  ]);
  expect(totals(redis.windows)).toEqual(once(0, [1, 2, 3, 4, 5]));

  const small = setup({ applyMaxCells: 1 });
  for (const seq of [1, 2]) small.commit(0, seq);
  await small.sync();
  expect(small.redis.calls.map((c) => c.toSeq - c.fromSeq)).toEqual([0, 0]);
});

test("checkpoints Redis has already are not applied again", async () => {
  const { redis, commit, sync } = setup();
  // A rebuild took seqs up to 2 from Postgres (their cells with them).
  redis.applied.set(0, 2);
  redis.windows.mergeFrom(checkpoint(0, 1));
  redis.windows.mergeFrom(checkpoint(0, 2));
  for (const seq of [2, 3]) commit(0, seq);
  await sync();
  expect(redis.calls).toEqual([
    { partition: 0, fromSeq: 2, toSeq: 3 },
    { partition: 0, fromSeq: 3, toSeq: 3 },
  ]);
  expect(totals(redis.windows)).toEqual(once(0, [1, 2, 3]));
});

test("what memory lacks (a previous owner's checkpoints) is backfilled from the outbox first", async () => {
  const { redis, mirror, commit, sync, outbox } = setup();
  commit(0, 1, false);
  commit(0, 2, false);
  commit(0, 3);
  await sync();
  expect(redis.calls).toEqual([
    // From memory: Redis answers that it has only up to 0.
    { partition: 0, fromSeq: 3, toSeq: 3 },
    // The outbox from there, rows merged; seq 3 comes with them, and memory is dropped.
    { partition: 0, fromSeq: 1, toSeq: 3 },
  ]);
  expect(outbox.reads).toBe(1);
  expect(totals(redis.windows)).toEqual(once(0, [1, 2, 3]));
  expect(mirror.outboxToDelete()).toEqual([{ partition: 0, seq: 3 }]);
  // Nothing left: a later sync does nothing.
  await sync();
  expect(redis.calls).toHaveLength(2);
});

test("a hole in the outbox ends the run; the rest goes once the row is there", async () => {
  const { redis, outbox, commit, sync } = setup();
  // Seq 2 is committed but its row not readable yet.
  commit(0, 1, false);
  commit(0, 3, false);
  await sync();
  expect(redis.calls).toEqual([
    { partition: 0, fromSeq: 1, toSeq: 1 },
    { partition: 0, fromSeq: 3, toSeq: 3 },
  ]);
  expect(totals(redis.windows)).toEqual(once(0, [1]));
  outbox.write(0, 2);
  await sync();
  expect(redis.calls.at(-1)).toEqual({ partition: 0, fromSeq: 2, toSeq: 3 });
  expect(totals(redis.windows)).toEqual(once(0, [1, 2, 3]));
});

test("checkpoints evicted from memory past its budget are read back from the outbox", async () => {
  const { redis, commit, sync } = setup({ memoryMaxCells: CELLS + 1 });
  commit(0, 1);
  commit(0, 2); // evicts seq 1
  await sync();
  expect(redis.calls).toEqual([
    { partition: 0, fromSeq: 2, toSeq: 2 },
    { partition: 0, fromSeq: 1, toSeq: 2 },
  ]);
  expect(totals(redis.windows)).toEqual(once(0, [1, 2]));
});

test("not ready: the live windows are rebuilt from Postgres, and what it took is not applied again", async () => {
  const { redis, commit, sync, applies } = setup();
  redis.isReady = false;
  commit(0, 1);
  commit(0, 2);
  // The rebuild reads the rollups with checkpoint 1 in them.
  redis.onRebuild = () => {
    redis.applied.set(0, 1);
    redis.windows.mergeFrom(checkpoint(0, 1));
  };
  await sync();
  expect(redis.rebuilds).toBe(1);
  expect(redis.calls).toHaveLength(1);
  await sync();
  expect(totals(redis.windows)).toEqual(once(0, [1, 2]));
  expect(await applies()).toEqual({ not_ready: 1, mismatch: 1, applied: 1 });
});

test("Redis ahead of what we think (rebuilt with newer seqs): memory asks it, nothing applied twice", async () => {
  const { redis, outbox, commit, committed, sync } = setup();
  commit(0, 1);
  await sync();
  // Meanwhile Redis was rebuilt from Postgres with checkpoints 2 and 3 in it; memory holds only
  // 4, and the outbox has nothing past 1 that is still there.
  redis.applied.set(0, 3);
  redis.windows.mergeFrom(checkpoint(0, 2));
  redis.windows.mergeFrom(checkpoint(0, 3));
  committed.set(0, 3);
  commit(0, 4);
  outbox.rows.get(0)!.clear();
  await sync();
  expect(redis.calls).toEqual([
    { partition: 0, fromSeq: 1, toSeq: 1 },
    { partition: 0, fromSeq: 4, toSeq: 4 },
  ]);
  expect(totals(redis.windows)).toEqual(once(0, [1, 2, 3, 4]));
});

test("one sync per partition at a time; partitions sync side by side", async () => {
  const { redis, commit, mirror } = setup();
  commit(0, 1);
  commit(1, 1);
  mirror.kick([0, 1]);
  mirror.kick([0, 1]);
  commit(0, 2);
  mirror.kick([0]);
  await mirror.drained();
  expect(redis.maxRunning).toBe(2);
  // Seq 2 came while seq 1 was being applied: the same sync takes it next.
  expect(redis.calls.filter((c) => c.partition === 0)).toEqual([
    { partition: 0, fromSeq: 1, toSeq: 1 },
    { partition: 0, fromSeq: 2, toSeq: 2 },
  ]);
  expect(totals(redis.windows)).toEqual(new Map([...once(0, [1, 2]), ...once(1, [1])]));
});

test("a failed apply is counted and retried by the next sync", async () => {
  const { redis, commit, sync, applies } = setup();
  commit(0, 1);
  redis.failNext = new Error("connection reset");
  await sync();
  expect(await applies()).toEqual({ error: 1 });
  await sync();
  expect(totals(redis.windows)).toEqual(once(0, [1]));
});

test("partitions not ours, taken over, or while stopping", async () => {
  const { redis, outbox, commit, sync, mirror, state } = setup();
  // Not ours when committed (revoked meanwhile): not kept in memory, so read from the outbox.
  state.owned.delete(1);
  commit(1, 1);
  state.owned.add(1);
  await sync([1]);
  expect(redis.calls).toEqual([{ partition: 1, fromSeq: 1, toSeq: 1 }]);
  expect(outbox.reads).toBe(1);

  // Forgotten (revoked): its deltas in memory go; a takeover asks Redis afresh.
  commit(0, 1);
  mirror.forget(0);
  commit(0, 2);
  mirror.resume(0);
  commit(0, 3);
  await sync();
  expect(totals(redis.windows)).toEqual(new Map([...once(1, [1]), ...once(0, [1, 2, 3])]));

  state.stopping = true;
  commit(0, 4);
  await sync();
  expect(totals(redis.windows)).toEqual(new Map([...once(1, [1]), ...once(0, [1, 2, 3])]));
});
