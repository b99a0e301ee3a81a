// The ops view's numbers, all from Postgres (plus Redis meta): checkpoint age and offsets per
// partition, event-time lag, the Redis outbox backlog, late events, dead letters by reason and
// the finality of recent minutes. Every query is bounded by an index or a recent time window.
import { sql } from "drizzle-orm";
import { asOfAt, getRollupStatus } from "./plan-query";
import type { QueryDeps } from "./types";

export interface PipelineHealth {
  nowMs: number;
  checkpoints: {
    consumer: string;
    topic: string;
    partition: number;
    nextOffset: number;
    maxEventMs: number;
    updatedAtMs: number;
    /** How long ago the partition last committed a checkpoint. */
    checkpointAgeMs: number;
    /** Wall clock minus the newest event time the partition has seen (cheap event-time lag). */
    eventLagMs: number;
  }[];
  outbox: { pending: number; oldestMs: number | null };
  lateEvents: {
    lastHour: { batches: number; clicks: number };
    recent: { adId: string; minuteMs: number; country: string; clicks: number; recordedAtMs: number }[];
  };
  deadLetters: { reason: string; count: number; lastSeenMs: number }[];
  minutes: { minuteMs: number; finalAtMs: number | null; lateClicks: number }[];
  headMs: number | null;
  asOfMs: number | null;
  live: { headMs: number | null; ready: boolean };
}

const ms = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());

export async function getPipelineHealth(deps: QueryDeps): Promise<PipelineHealth> {
  const { db } = deps;
  const [now, checkpoints, outbox, lateAgg, lateRecent, dead, minutes, status, live] = await Promise.all([
    db.execute<{ now: Date }>(sql`select now() as now`),
    db.execute<{
      consumer: string;
      topic: string;
      partition: number;
      next_offset: number;
      max_event_ms: number;
      updated_at: Date;
    }>(sql`select consumer, topic, partition, next_offset, max_event_ms, updated_at
           from consumer_checkpoints order by consumer, topic, partition`),
    db.execute<{ pending: number; oldest: Date | null }>(
      sql`select count(*)::bigint as pending, min(created_at) as oldest from redis_outbox`,
    ),
    db.execute<{ batches: number; clicks: number | null }>(
      sql`select count(*)::bigint as batches, sum(clicks)::bigint as clicks from late_events
          where recorded_at > now() - interval '1 hour'`,
    ),
    db.execute<{ ad_id: string; minute: Date; country: string; clicks: number; recorded_at: Date }>(
      sql`select ad_id, minute, country, clicks, recorded_at from late_events order by recorded_at desc limit 10`,
    ),
    db.execute<{ reason: string; n: number; last_seen: Date }>(
      sql`select reason, count(*)::bigint as n, max(first_seen) as last_seen from dead_letters
          where first_seen > now() - interval '24 hours' group by reason order by n desc, reason`,
    ),
    db.execute<{ minute: Date; final_at: Date | null; late_clicks: number }>(
      sql`select minute, final_at, late_clicks from minute_status order by minute desc limit 15`,
    ),
    getRollupStatus(db),
    deps.live ? deps.live.state() : { headMs: null, ready: false },
  ]);
  const nowMs = ms(now.rows[0]?.now ?? new Date()) ?? Date.now();
  return {
    nowMs,
    checkpoints: checkpoints.rows.map((r) => {
      const updatedAtMs = ms(r.updated_at) ?? 0;
      return {
        consumer: r.consumer,
        topic: r.topic,
        partition: r.partition,
        nextOffset: Number(r.next_offset),
        maxEventMs: Number(r.max_event_ms),
        updatedAtMs,
        checkpointAgeMs: Math.max(0, nowMs - updatedAtMs),
        eventLagMs: Math.max(0, nowMs - Number(r.max_event_ms)),
      };
    }),
    outbox: { pending: Number(outbox.rows[0]?.pending ?? 0), oldestMs: ms(outbox.rows[0]?.oldest ?? null) },
    lateEvents: {
      lastHour: { batches: Number(lateAgg.rows[0]?.batches ?? 0), clicks: Number(lateAgg.rows[0]?.clicks ?? 0) },
      recent: lateRecent.rows.map((r) => ({
        adId: r.ad_id,
        minuteMs: ms(r.minute) ?? 0,
        country: r.country,
        clicks: Number(r.clicks),
        recordedAtMs: ms(r.recorded_at) ?? 0,
      })),
    },
    deadLetters: dead.rows.map((r) => ({ reason: r.reason, count: Number(r.n), lastSeenMs: ms(r.last_seen) ?? 0 })),
    minutes: minutes.rows.map((r) => ({
      minuteMs: ms(r.minute) ?? 0,
      finalAtMs: ms(r.final_at),
      lateClicks: Number(r.late_clicks),
    })),
    headMs: status.headMs,
    asOfMs: asOfAt(status.asOfMs, nowMs),
    live,
  };
}
