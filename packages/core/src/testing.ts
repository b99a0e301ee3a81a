// A test harness for the aggregation operator, in the spirit of Flink's TriggerTestHarness:
// feed events with explicit wall-clock, record and event times, advance, and read what fired.
import { randomUUID } from "node:crypto";
import { type AggregatorOptions, type CheckpointPlan, ClickAggregator, type Decision } from "./aggregator";

export interface TestClick {
  eventId?: string;
  adId?: string;
  ts: number;
  country?: string;
}

export class AggregatorHarness {
  readonly op: ClickAggregator;
  now: number;
  private readonly offsets = new Map<number, number>();
  readonly log = new Map<number, (string | null)[]>();
  /** The records' own timestamps (as Kafka stamped them), beside `log`. */
  readonly recordTimes = new Map<number, number[]>();

  /** Records go in as Kafka holds them (bytes: the fast path, parseClick where it is unsure) or as text. */
  private readonly asText: boolean;
  private readonly utf8 = new TextEncoder();

  constructor(opts: AggregatorOptions & { now: number; partitions?: number[]; values?: "bytes" | "text" }) {
    this.op = new ClickAggregator(opts);
    this.now = opts.now;
    this.asText = opts.values === "text";
    for (const p of opts.partitions ?? [0]) this.op.assign(p, undefined, this.now);
  }

  /**
   * Appends the event to the partition's log and processes it. Its record is stamped `recordTimeMs`
   * (by default the clock, as a producer's client stamps it on sending).
   */
  feed(partition: number, c: TestClick | string, recordTimeMs = this.now): Decision {
    const value =
      typeof c === "string"
        ? c
        : JSON.stringify({
            event_id: c.eventId ?? randomUUID(),
            ad_id: c.adId ?? "ad-1",
            click_timestamp: c.ts,
            user_id: "u-1",
            ip: "10.0.0.1",
            country: c.country ?? "US",
          });
    const offset = this.offsets.get(partition) ?? 0;
    this.offsets.set(partition, offset + 1);
    const log = this.log.get(partition) ?? [];
    log.push(value);
    this.log.set(partition, log);
    const times = this.recordTimes.get(partition) ?? [];
    times.push(recordTimeMs);
    this.recordTimes.set(partition, times);
    return this.op.process(partition, offset, this.asText ? value : this.utf8.encode(value), this.now, recordTimeMs);
  }

  advanceTo(now: number): number[] {
    this.now = now;
    return this.op.advance(now).fired;
  }

  checkpoint(): CheckpointPlan {
    const plan = this.op.plan(this.now);
    this.op.committed(plan);
    return plan;
  }
}
