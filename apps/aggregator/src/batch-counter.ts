// Counts a batch of Kafka records through the pure operator (@adclicks/core), in offset order
// from the partition's read position, and keeps the dead letters of rejected records until the
// next checkpoint sends them. Metrics are added once per batch, not per record.
import type { ClickAggregator, Decision } from "@adclicks/core";
import { deadLetterMessage, offsetOf, timestampOf } from "@adclicks/kafka";
import type { AggregatorMetrics } from "./metrics";

/**
 * Records counted between two turns of the event loop. A fetch holds tens of thousands; without
 * a break the checkpoint write and the Redis applies, running beside, wait for each batch to end
 * at every round trip.
 */
export const YIELD_EVERY = 2_048;

/** A record as kafkajs delivers it. */
export interface ConsumedRecord {
  offset: string;
  timestamp: string;
  value: Buffer | null;
}

export type DeadLetterMessage = ReturnType<typeof deadLetterMessage>;

export interface BatchCounterOptions {
  op: ClickAggregator;
  metrics: Pick<AggregatorMetrics, "consumed" | "events" | "deadLetters">;
  /** The topic read, named in dead letters. */
  topic: string;
  /** Whether the partition is still ours to count (asked at each break). */
  isReading(partition: number): boolean;
  stopping(): boolean;
}

export class BatchCounter {
  // Sent (acks=all) by the next checkpoint, before the offsets move past them.
  private deadLetters: DeadLetterMessage[] = [];
  // The newest Kafka timestamp counted per partition, taken by the next checkpoint.
  private ingestTimes = new Map<number, number>();

  constructor(private readonly opts: BatchCounterOptions) {}

  /**
   * Counts the records at `from` and after. Returns the partition's next position, or undefined
   * when it was revoked or fenced during a break (its takeover re-reads it). Stopping ends the
   * batch early, at the position reached.
   */
  async count(partition: number, records: readonly ConsumedRecord[], from: number, now: number) {
    const { op, metrics, topic } = this.opts;
    let next = from;
    // Counted here and added to the metric once per batch: a labelled inc per event costs more
    // than the event's dedup.
    const decisions = new Map<Decision["kind"], number>();
    let newestIngest = 0;
    for (let i = 0; i < records.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.opts.isReading(partition)) return undefined;
        if (this.opts.stopping()) break;
      }
      const m = records[i]!;
      const offset = offsetOf(m);
      if (offset < next) continue;
      const ingestMs = timestampOf(m) || now;
      const d = op.process(partition, offset, m.value, now, ingestMs);
      next = offset + 1;
      if (d.kind === "counted" && ingestMs > newestIngest) newestIngest = ingestMs;
      decisions.set(d.kind, (decisions.get(d.kind) ?? 0) + 1);
      if (d.kind === "rejected") {
        metrics.deadLetters.inc({ reason: d.reason });
        this.deadLetters.push(
          deadLetterMessage({
            reason: d.reason,
            detail: d.detail,
            source: "aggregator",
            payload: m.value ?? Buffer.alloc(0),
            topic,
            partition,
            offset: m.offset,
            rejectedAt: now,
          }),
        );
      }
    }
    metrics.consumed.inc(next - from);
    for (const [decision, n] of decisions) metrics.events.inc({ decision }, n);
    if (newestIngest > (this.ingestTimes.get(partition) ?? 0)) this.ingestTimes.set(partition, newestIngest);
    return next;
  }

  /** The newest Kafka timestamp counted per partition since the last call. */
  takeIngestTimes(): Map<number, number> {
    const taken = this.ingestTimes;
    this.ingestTimes = new Map();
    return taken;
  }

  /** The dead letters buffered since the last call, for the checkpoint about to be planned. */
  takeDeadLetters(): DeadLetterMessage[] {
    const taken = this.deadLetters;
    this.deadLetters = [];
    return taken;
  }
}
