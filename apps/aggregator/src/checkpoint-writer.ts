// What one checkpoint does: takes a plan from the operator, sends its dead letters, commits it
// to Postgres (with the outbox rows Redis has applied), then hands its deltas to the Redis mirror
// and its final minutes to the publisher. A fenced commit drops the partitions another worker took.
import type { CheckpointPlan, ClickAggregator, PartitionCheckpoint } from "@adclicks/core";
import { isoMinute } from "@adclicks/core";
import type { Logger } from "pino";
import type { Clock } from "./clock";
import type { FinalMinutePublisher } from "./final-minute-publisher";
import type { AggregatorMetrics } from "./metrics";
import type { RedisMirror } from "./redis-mirror";
import type { Retry } from "./retry";

/** A partition's checkpoint as Postgres stores it. */
export interface StoredCheckpoint extends PartitionCheckpoint {
  partition: number;
  updatedAtMs: number;
}

/** A commit's outcome: written, or fenced (another worker advanced these partitions; nothing was written). */
export type CommitOutcome =
  | { kind: "committed"; finalized: number[]; checkpoints: Map<number, StoredCheckpoint> }
  | { kind: "fenced"; partitions: number[] };

/** The consumer group's checkpoints in Postgres: the truth about what is counted. */
export interface CheckpointStore {
  load(): Promise<Map<number, StoredCheckpoint>>;
  /** Commits a plan and deletes the outbox rows Redis has applied, in one transaction. */
  commit(plan: CheckpointPlan, appliedOutbox: { partition: number; seq: number }[]): Promise<CommitOutcome>;
}

export interface CheckpointWriterOptions {
  op: Pick<ClickAggregator, "plan" | "committed" | "observeRemote" | "dedupStats" | "owned">;
  store: CheckpointStore;
  mirror: Pick<RedisMirror, "outboxToDelete" | "outboxDeleted" | "remember" | "kick">;
  publisher: Pick<FinalMinutePublisher, "kick">;
  /** The dead letters counted since the last plan, and how they are sent (acks=all). */
  takeDeadLetters(): { key: string; value: string }[];
  /** The newest Kafka timestamp counted per partition since the last plan (for ingest → visible). */
  takeIngestTimes?(): Map<number, number>;
  sendDeadLetters(messages: { key: string; value: string }[]): Promise<unknown>;
  /** Kafka's committed offsets, a hint for lag tools (Postgres holds the real ones). */
  commitOffsetsHint(offsets: { partition: number; offset: string }[]): void;
  /** Drops a partition's uncheckpointed state (fenced: it is re-read from its stored checkpoint). */
  forget(partition: number): void;
  retry: Retry;
  clock: Clock;
  metrics: Pick<
    AggregatorMetrics,
    "checkpointFailures" | "checkpointSeconds" | "checkpoints" | "watermark" | "eventToCountedSeconds" | "dedupIds"
  >;
  log: Logger;
}

export class CheckpointWriter {
  constructor(private readonly opts: CheckpointWriterOptions) {}

  /** Takes a plan at once (before the first await: between two batches) and writes it. */
  async write(): Promise<void> {
    const { op, store, mirror, clock, metrics, log } = this.opts;
    const deadLetters = this.opts.takeDeadLetters();
    const ingestTimes = this.opts.takeIngestTimes?.();
    const plan = op.plan(clock.now());
    // Before the offsets move past them: a rejected event is never lost.
    if (deadLetters.length > 0)
      await this.opts.retry("send dead letters", () => this.opts.sendDeadLetters(deadLetters));
    // A copy: applies go on while the commit runs, and their rows are not in this delete.
    const deleting = mirror.outboxToDelete();
    const started = performance.now();
    const result = await this.opts.retry("checkpoint", () => store.commit(plan, deleting));
    if (result.kind === "fenced") {
      metrics.checkpointFailures.inc({ kind: "fenced" });
      log.warn({ partitions: result.partitions }, "checkpoint fenced: partitions re-initialize from Postgres");
      // The transaction was rolled back whole, so the plan's counts of EVERY partition in it are
      // gone, not only the fenced ones': all of them are dropped and re-read from their stored
      // checkpoints. Keeping the others would move their offsets past counts never written.
      for (const pp of plan.partitions) this.opts.forget(pp.partition);
      return;
    }
    const ms = performance.now() - started;
    metrics.checkpointSeconds.observe(ms / 1000);
    metrics.checkpoints.inc();
    if (log.isLevelEnabled("debug")) {
      const cells = plan.partitions.reduce((n, pp) => n + pp.counts.size, 0);
      log.debug({ ms, partitions: plan.partitions.length, cells, memMb: memoryMb() }, "checkpoint");
    }
    mirror.outboxDeleted(deleting.length);
    op.committed(plan);
    for (const pp of plan.partitions) mirror.remember(pp.partition, pp.seq, pp.counts, ingestTimes?.get(pp.partition));
    const now = clock.now();
    for (const cp of result.checkpoints.values()) op.observeRemote(cp.partition, cp.maxEventMs, cp.updatedAtMs);
    if (plan.watermark !== undefined) metrics.watermark.set(plan.watermark);
    for (const pp of plan.partitions)
      if (!pp.counts.isEmpty) metrics.eventToCountedSeconds.observe(Math.max(0, now - pp.maxEventMs) / 1000);
    metrics.dedupIds.set(op.dedupStats().ids);
    if (plan.partitions.length > 0)
      this.opts.commitOffsetsHint(
        plan.partitions.map((pp) => ({ partition: pp.partition, offset: String(pp.nextOffset) })),
      );
    if (result.finalized.length > 0) log.info({ minutes: result.finalized.map(isoMinute) }, "minutes final");
    // Redis and the downstream feed follow in the background: the next batch need not wait.
    mirror.kick(op.owned());
    this.opts.publisher.kick();
  }
}

/** The process' memory in MB, for the checkpoint log line (the bench reads it). */
function memoryMb() {
  const mem = process.memoryUsage();
  const mb = (n: number) => Math.round(n / 1048576);
  return {
    rss: mb(mem.rss),
    heap: mb(mem.heapUsed),
    heapTotal: mb(mem.heapTotal),
    external: mb(mem.external),
    buffers: mb(mem.arrayBuffers),
  };
}
