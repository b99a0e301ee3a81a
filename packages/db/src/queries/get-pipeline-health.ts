// The ops view's numbers, all from Postgres (plus Redis meta): checkpoint age and offsets per
// partition, event-time lag, the Redis outbox backlog, late events, dead letters by reason, the
// finality of recent minutes and the clicks on ads missing from the catalog. Every query is
// bounded by an index or a recent time window.
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
  /**
   * Clicks of the last hour's final minutes on ads the catalog does not know (now): counted like
   * any other, shown apart. From the archiver's per-minute tallies (catalog-misses.ts).
   */
  catalogMisses: {
    windowMinutes: number;
    clicks: number;
    ads: number;
    top: { adId: string; clicks: number }[];
    /** The newest minute tallied (null: none yet, e.g. no archiver running). */
    throughMs: number | null;
  };
  headMs: number | null;
  asOfMs: number | null;
  live: { headMs: number | null; ready: boolean };
}

const ms = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());
const CATALOG_MISS_WINDOW_MINUTES = 60;
const CATALOG_MISS_TOP = 5;

export async function getPipelineHealth(deps: QueryDeps): Promise<PipelineHealth> {
  const { db } = deps;
  const [now, checkpoints, outbox, lateAgg, lateRecent, dead, minutes, misses, status, live] = await Promise.all([
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
    // At most an hour of tallies, each holding only the minute's unknown ads; the anti-join is
    // repeated here so an ad added to the catalog since leaves the figure.
    db.execute<{ ads: number; clicks: number; top: { adId: string; clicks: number }[]; through: Date | null }>(
      sql`with recent as (
            select u.ad_id, sum(u.clicks)::bigint as clicks
              from catalog_misses c, unnest(c.ad_ids, c.clicks) as u(ad_id, clicks)
             where c.minute > date_trunc('minute', now()) - make_interval(mins => ${CATALOG_MISS_WINDOW_MINUTES})
             group by u.ad_id),
          unknown as (select * from recent r where not exists (select 1 from ads a where a.id = r.ad_id))
          select (select count(*) from unknown)::bigint as ads,
                 (select coalesce(sum(clicks), 0) from unknown)::bigint as clicks,
                 (select coalesce(json_agg(json_build_object('adId', t.ad_id, 'clicks', t.clicks)
                                           order by t.clicks desc, t.ad_id), '[]'::json)
                    from (select ad_id, clicks from unknown order by clicks desc, ad_id limit ${CATALOG_MISS_TOP}) t) as top,
                 (select max(minute) from catalog_misses) as through`,
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
    catalogMisses: {
      windowMinutes: CATALOG_MISS_WINDOW_MINUTES,
      clicks: Number(misses.rows[0]?.clicks ?? 0),
      ads: Number(misses.rows[0]?.ads ?? 0),
      top: (misses.rows[0]?.top ?? []).map((t) => ({ adId: t.adId, clicks: Number(t.clicks) })),
      throughMs: ms(misses.rows[0]?.through ?? null),
    },
    headMs: status.headMs,
    asOfMs: asOfAt(status.asOfMs, nowMs),
    live,
  };
}
