// What the monitor (apps/monitor) reads from Postgres at each scrape: every consumer checkpoint,
// the Redis outbox backlog per consumer and the newest final minute. Three indexed reads.
import { sql } from "drizzle-orm";
import type { Db } from "../client";

export interface PipelineGauges {
  checkpoints: { consumer: string; topic: string; partition: number; nextOffset: number; updatedAtMs: number }[];
  outbox: { consumer: string; rows: number }[];
  /** The newest minute marked final (epoch ms), or null when none is. */
  newestFinalMinuteMs: number | null;
}

export async function getPipelineGauges(db: Db): Promise<PipelineGauges> {
  const [checkpoints, outbox, finality] = await Promise.all([
    db.execute<{ consumer: string; topic: string; partition: number; next_offset: string; updated_at: Date }>(
      sql`select consumer, topic, partition, next_offset, updated_at from consumer_checkpoints`,
    ),
    db.execute<{ consumer: string; n: string }>(
      sql`select consumer, count(*)::bigint as n from redis_outbox group by consumer`,
    ),
    db.execute<{ minute: Date | null }>(
      sql`select max(minute) as minute from minute_status where final_at is not null`,
    ),
  ]);
  const minute = finality.rows[0]?.minute ?? null;
  return {
    checkpoints: checkpoints.rows.map((r) => ({
      consumer: r.consumer,
      topic: r.topic,
      partition: r.partition,
      nextOffset: Number(r.next_offset),
      updatedAtMs: new Date(r.updated_at).getTime(),
    })),
    outbox: outbox.rows.map((r) => ({ consumer: r.consumer, rows: Number(r.n) })),
    newestFinalMinuteMs: minute === null ? null : new Date(minute).getTime(),
  };
}
