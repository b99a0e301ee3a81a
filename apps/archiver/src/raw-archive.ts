// The raw-archive consumer: every valid click on ad-clicks into raw_clicks (hourly partitions
// created on demand), deduplicated by the primary key (ts, event_id), exactly once through the
// checkpoint stored in the same transaction.
import type { KafkaMessage } from "@adclicks/kafka";
import type pg from "pg";
import { type ArchiveConsumerOptions, type RunningConsumer, runCheckpointedConsumer } from "./checkpointed-consumer";
import { createPartitionSql, retentionCutoff } from "./partitions";
import { type RawBatch, toRawBatch } from "./raw-rows";

export const RAW_ARCHIVE = "raw-archive";

const INSERT_RAW = `
  insert into raw_clicks (ts, event_id, ad_id, user_id, ip, country)
  select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
  on conflict do nothing`;

/** Creates missing hourly partitions, remembering the ones known to exist. */
export class PartitionMaker {
  private readonly known = new Set<number>();

  constructor(private readonly pool: pg.Pool) {}

  async ensure(hours: Iterable<number>): Promise<void> {
    for (const h of hours) {
      if (this.known.has(h)) continue;
      try {
        await this.pool.query(createPartitionSql(h));
      } catch (err) {
        // Another archiver created it at the same moment: IF NOT EXISTS does not cover that race.
        const code = (err as { code?: string }).code;
        if (code !== "42P07" && code !== "23505") throw err;
      }
      this.known.add(h);
    }
  }

  forget(): void {
    this.known.clear();
  }
}

export interface RawArchiveOptions extends ArchiveConsumerOptions {
  retentionMs: number;
  partitions: PartitionMaker;
  concurrency?: number;
}

export function startRawArchive(opts: RawArchiveOptions): Promise<RunningConsumer> {
  return runCheckpointedConsumer({
    kafka: opts.kafka,
    pool: opts.pool,
    logger: opts.logger,
    name: RAW_ARCHIVE,
    topic: opts.topic,
    partitionsConsumedConcurrently: opts.concurrency,
    onBatch: opts.onBatch,
    prepare: async (messages: KafkaMessage[]) => {
      const now = Date.now();
      const batch = toRawBatch(messages, { cutoffMs: retentionCutoff(now, opts.retentionMs), fallbackNowMs: now });
      await opts.partitions.ensure(batch.hours);
      return batch;
    },
    write: async (client, _messages, _partition, prepared) => {
      const b = prepared as RawBatch;
      const c = b.columns;
      let written = 0;
      if (c.ts.length > 0) {
        try {
          const r = await client.query(INSERT_RAW, [c.ts, c.eventId, c.adId, c.userId, c.ip, c.country]);
          written = r.rowCount ?? 0;
        } catch (err) {
          // 23514: no partition for a row (retention dropped it meanwhile): re-create on the retry.
          if ((err as { code?: string }).code === "23514") opts.partitions.forget();
          throw err;
        }
      }
      return {
        written,
        maxEventMs: b.maxEventMs,
        skipped: { duplicate: c.ts.length - written, invalid: b.invalid, expired: b.expired },
      };
    },
  });
}
