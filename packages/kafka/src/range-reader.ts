// Reads given offset spans of a topic's partitions once, in offset order per partition, with a
// consumer group of its own (reconciliation and recalculation replay the log beside the live
// aggregator, never in its group). Records come as the worker gets them: offset, the record's
// own timestamp, the value's bytes.
import { randomBytes } from "node:crypto";
import type { Admin, Kafka } from "./kafkajs";
import { offsetOf, timestampOf } from "./lean/fetch-decode-messages";

/** Offsets [from, to) of one partition. */
export interface PartitionSpan {
  partition: number;
  from: number;
  to: number;
}

export interface SpanRecord {
  offset: number;
  timestampMs: number;
  value: Buffer | null;
}

/** Raised when a span can no longer be read whole (the log was deleted by retention under it). */
export class SpanUnavailableError extends Error {}

/**
 * Per partition, the first offset whose record timestamp is at or after `timestampMs` (the
 * partition's end when none is), and whether records before it may have been deleted by
 * retention (the log starts after offset 0 and the answer is its start).
 */
export async function offsetsAtTime(
  admin: Admin,
  topic: string,
  timestampMs: number,
): Promise<Map<number, { offset: number; truncated: boolean }>> {
  const [byTime, ends] = await Promise.all([
    admin.fetchTopicOffsetsByTimestamp(topic, timestampMs),
    admin.fetchTopicOffsets(topic),
  ]);
  const bounds = new Map(ends.map((e) => [e.partition, { low: Number(e.low), high: Number(e.high) }]));
  const out = new Map<number, { offset: number; truncated: boolean }>();
  for (const e of byTime) {
    const b = bounds.get(e.partition) ?? { low: 0, high: 0 };
    const at = Number(e.offset);
    const offset = at < 0 ? b.high : at;
    out.set(e.partition, { offset, truncated: b.low > 0 && offset <= b.low });
  }
  return out;
}

export interface ReadSpansOptions {
  /** Consumer group id (a fresh one by default: the spans are read whole every time). */
  groupId?: string;
  /** Fails when no record arrives for this long while spans remain (default 60 s). */
  stallTimeoutMs?: number;
  /** Asked between batches: true stops the read (it then rejects with the reason given). */
  cancelled?: () => string | undefined;
}

/**
 * Reads every span, calling `onRecords` with each batch's records inside its span, in offset
 * order per partition (one batch at a time). Resolves when every span is read to its end.
 */
export async function readSpans(
  kafka: Kafka,
  topic: string,
  spans: readonly PartitionSpan[],
  onRecords: (partition: number, records: SpanRecord[]) => Promise<void> | void,
  opts: ReadSpansOptions = {},
): Promise<void> {
  const open = new Map(spans.filter((s) => s.to > s.from).map((s) => [s.partition, { ...s, next: s.from }]));
  if (open.size === 0) return;
  const consumer = kafka.consumer({
    groupId: opts.groupId ?? `span-reader-${randomBytes(6).toString("hex")}`,
    maxBytesPerPartition: 1024 * 1024,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let lastProgress = Date.now();
      const stallMs = opts.stallTimeoutMs ?? 60_000;
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setInterval(() => {
        const why = opts.cancelled?.();
        if (why !== undefined) finish(new Error(why));
        else if (Date.now() - lastProgress > stallMs)
          finish(
            new SpanUnavailableError(
              `reading ${topic}: no record for ${stallMs} ms with partitions ${[...open.keys()].join(",")} unfinished`,
            ),
          );
      }, 500);
      consumer
        .run({
          autoCommit: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: async ({ batch, heartbeat }) => {
            if (done) return;
            const span = open.get(batch.partition);
            if (!span) {
              consumer.pause([{ topic, partitions: [batch.partition] }]);
              return;
            }
            const records: SpanRecord[] = [];
            for (const m of batch.messages) {
              const offset = offsetOf(m);
              if (offset < span.next || offset >= span.to) continue;
              records.push({ offset, timestampMs: timestampOf(m), value: m.value });
              span.next = offset + 1;
            }
            // Offsets absent from the log (compaction, transaction markers) end a span too.
            const last = Number(batch.lastOffset());
            if (Number.isFinite(last) && last + 1 > span.next && last >= span.from)
              span.next = Math.min(last + 1, span.to);
            if (records.length > 0) {
              lastProgress = Date.now();
              try {
                await onRecords(batch.partition, records);
              } catch (err) {
                finish(err);
                return;
              }
            }
            if (span.next >= span.to) {
              open.delete(batch.partition);
              consumer.pause([{ topic, partitions: [batch.partition] }]);
              if (open.size === 0) finish();
            }
            await heartbeat();
          },
        })
        .catch(finish);
      for (const s of open.values()) consumer.seek({ topic, partition: s.partition, offset: String(s.from) });
    });
  } finally {
    await consumer.disconnect();
  }
}
