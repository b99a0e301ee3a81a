// Postgres schema (drizzle): minute rollups (the truth) and their hourly sums, consumer checkpoints, the Redis
// outbox, minute finality, late events, dead letters, the raw click archive and the clicks on
// ads missing from the catalog.
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const tsz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const bigNum = (name: string) => bigint(name, { mode: "number" });
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * Clicks per (ad, event-time minute, country): the star schema every count is summed from. The
 * key carries the count (INCLUDE, migration 0011), so summing an ad's minutes is an index-only scan.
 */
export const clickRollups = pgTable(
  "click_rollups",
  {
    adId: text("ad_id").notNull(),
    minute: tsz("minute").notNull(),
    country: text("country").notNull(),
    clicks: bigNum("clicks").notNull(),
  },
  (t) => [primaryKey({ columns: [t.adId, t.minute, t.country] }), index("click_rollups_minute_idx").on(t.minute)],
);

/**
 * Clicks per (ad, event-time hour, country): the minute rollups summed by hour, written in the
 * same transaction as every minute increment (checkpoints.ts), so the two always agree. Long
 * ranges read whole hours here and only their partial edge hours from the minute rollups. The
 * (hour, country, clicks) index gives one country's ads of an hour in click order (top N).
 */
export const clickRollupsHourly = pgTable(
  "click_rollups_hourly",
  {
    adId: text("ad_id").notNull(),
    hour: tsz("hour").notNull(),
    country: text("country").notNull(),
    clicks: bigNum("clicks").notNull(),
  },
  (t) => [
    // Country before hour: one country's hours of an ad are adjacent (the top N's bounds with a
    // country filter). INCLUDE (clicks) on the key (migration 0010; drizzle cannot say it).
    primaryKey({ columns: [t.adId, t.country, t.hour] }),
    index("click_rollups_hourly_top_idx").on(t.hour, t.country, t.clicks.desc()),
  ],
);

/**
 * Clicks per (ad, event-time hour) over every country: the hourly rollups summed by ad, kept in
 * the same transaction. The (hour, clicks) index gives an hour's ads in click order (top N).
 */
export const adClicksHourly = pgTable(
  "ad_clicks_hourly",
  {
    adId: text("ad_id").notNull(),
    hour: tsz("hour").notNull(),
    clicks: bigNum("clicks").notNull(),
  },
  (t) => [
    // INCLUDE (clicks) on the key, as for click_rollups_hourly (migration 0010).
    primaryKey({ columns: [t.adId, t.hour] }),
    index("ad_clicks_hourly_top_idx").on(t.hour, t.clicks.desc()),
  ],
);

/**
 * One row per (consumer, topic, partition): the next offset to read, stored in the same
 * transaction as the writes it covers (Kafka's "offsets outside Kafka" exactly-once recipe).
 */
export const consumerCheckpoints = pgTable(
  "consumer_checkpoints",
  {
    consumer: text("consumer").notNull(),
    topic: text("topic").notNull(),
    partition: integer("partition").notNull(),
    nextOffset: bigNum("next_offset").notNull(),
    /** Monotonic per partition; Redis records the last seq it applied (idempotent replays). */
    seq: bigNum("seq").notNull(),
    /** Max event time seen on this partition (ms), restored with the offset. */
    maxEventMs: bigNum("max_event_ms").notNull(),
    /** Where a restarted consumer re-reads from to rebuild its dedup set (no counting). */
    dedupFromOffset: bigNum("dedup_from_offset").notNull(),
    updatedAt: tsz("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.topic, t.partition] })],
);

/**
 * Deltas committed to Postgres but not yet applied to Redis (transactional outbox): written
 * in the checkpoint transaction, deleted once Redis has them. Survives any crash in between.
 */
export const redisOutbox = pgTable(
  "redis_outbox",
  {
    consumer: text("consumer").notNull(),
    partition: integer("partition").notNull(),
    seq: bigNum("seq").notNull(),
    /**
     * The checkpoint's cells in MinuteCounts' grouped format, JSON compressed with lz4 in the
     * worker (stored EXTERNAL, so Postgres neither compresses it again nor parses it).
     */
    deltas: bytea("deltas").notNull(),
    createdAt: tsz("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.partition, t.seq] })],
);

/** Finality of each event-time minute: final once the watermark passed it. */
export const minuteStatus = pgTable("minute_status", {
  minute: tsz("minute").primaryKey(),
  finalAt: tsz("final_at"),
  /** Clicks counted after the minute was final (corrections). */
  lateClicks: bigNum("late_clicks").notNull().default(0),
  publishedAt: tsz("published_at"),
  /** Set when late corrections arrived after the last publication. */
  needsRepublish: boolean("needs_republish").notNull().default(false),
});

/**
 * Hot-ad lists: `ad_id` is split over `slots` Kafka keys for clicks of event-time `minute`.
 * Written once by the aggregator from the final counts of an earlier minute, before `minute`
 * begins (see hotListMinute in @adclicks/core); producers read them to route clicks.
 */
export const hotAds = pgTable(
  "hot_ads",
  {
    minute: tsz("minute").notNull(),
    adId: text("ad_id").notNull(),
    slots: integer("slots").notNull(),
    /** The final minute whose counts decided it, and the ad's clicks in it. */
    decidedBy: tsz("decided_by").notNull(),
    clicks: bigNum("clicks").notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.adId] })],
);

/** Each batch of late clicks (after their minute became final), for the ops view. */
export const lateEvents = pgTable(
  "late_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    adId: text("ad_id").notNull(),
    minute: tsz("minute").notNull(),
    country: text("country").notNull(),
    clicks: bigNum("clicks").notNull(),
    recordedAt: tsz("recorded_at").notNull().defaultNow(),
  },
  (t) => [
    index("late_events_recorded_idx").on(t.recordedAt),
    // The dashboards mark the minutes of an ad (or of an advertiser's ads) that were corrected.
    index("late_events_ad_minute_idx").on(t.adId, t.minute),
  ],
);

/** Rejected input, kept queryable (payload truncated). */
export const deadLetters = pgTable(
  "dead_letters",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    reason: text("reason").notNull(),
    source: text("source").notNull(),
    detail: text("detail"),
    payload: text("payload").notNull(),
    kafkaPartition: integer("kafka_partition"),
    kafkaOffset: bigNum("kafka_offset"),
    firstSeen: tsz("first_seen").notNull().defaultNow(),
  },
  (t) => [index("dead_letters_first_seen_idx").on(t.firstSeen), index("dead_letters_reason_idx").on(t.reason)],
);

/**
 * Per final minute, the ads of its rollups that the catalog (`ads`) did not know when the minute
 * was tallied, with their clicks (the archiver tallies each final minute once, again after late
 * corrections; `lateClicksSeen` is the minute's late_clicks it saw). Kept a few hours, for the
 * ops view: clicks are counted whatever the catalog says, this shows how many it did not know.
 */
export const catalogMisses = pgTable("catalog_misses", {
  minute: tsz("minute").primaryKey(),
  lateClicksSeen: bigNum("late_clicks_seen").notNull(),
  adIds: text("ad_ids").array().notNull(),
  clicks: bigint("clicks", { mode: "number" }).array().notNull(),
  talliedAt: tsz("tallied_at").notNull().defaultNow(),
});

/**
 * Every valid, deduplicated click (the raw archive), partitioned by hour of event time (the
 * migration declares PARTITION BY RANGE (ts); partitions are created by the archiver).
 */
export const rawClicks = pgTable(
  "raw_clicks",
  {
    ts: tsz("ts").notNull(),
    eventId: text("event_id").notNull(),
    adId: text("ad_id").notNull(),
    userId: text("user_id").notNull(),
    ip: text("ip").notNull(),
    country: text("country").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.ts, t.eventId] }),
    index("raw_clicks_ad_ts_idx").on(t.adId, t.ts),
    index("raw_clicks_user_ts_idx").on(t.userId, t.ts),
    index("raw_clicks_ip_ts_idx").on(t.ip, t.ts),
  ],
);

/**
 * Reconciliation and recalculation runs (docs/reconciliation.md): a range of event time recounted
 * from the log through the live code and compared with click_rollups; a recalculation then adds
 * the differences to the rollups in one transaction. A run is requested (by the CLI, the schedule
 * or the ops view), claimed by one process, and resumable from what it stored.
 */
export const reconRuns = pgTable(
  "recon_runs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** `reconcile` or `recalc`. */
    kind: text("kind").notNull(),
    /** `cli`, `hourly`, `daily` or `ops`. */
    trigger: text("trigger").notNull(),
    rangeFrom: tsz("range_from").notNull(),
    rangeTo: tsz("range_to").notNull(),
    /** Null: every ad. */
    adIds: text("ad_ids").array(),
    /** `requested` → `running` → `done` | `failed`. */
    status: text("status").notNull().default("requested"),
    /** Within `running`: `snapshot`, `recount`, `shadow`, `swapped`, `refreshed` (recalc). */
    phase: text("phase"),
    /** 0..1, the recount's share of the records to read. */
    progress: real("progress").notNull().default(0),
    /** The live group's next offset per partition at the snapshot: the recount reads up to them. */
    endOffsets: jsonb("end_offsets").$type<Record<string, number>>(),
    records: bigNum("records"),
    cells: bigNum("cells"),
    mismatches: bigNum("mismatches"),
    /** Cells the recalculation's swap changed. */
    corrected: bigNum("corrected"),
    error: text("error"),
    /** The process working on it (host:pid) and when it last showed progress. */
    owner: text("owner"),
    heartbeatAt: tsz("heartbeat_at"),
    requestedAt: tsz("requested_at").notNull().defaultNow(),
    startedAt: tsz("started_at"),
    finishedAt: tsz("finished_at"),
  },
  (t) => [index("recon_runs_status_idx").on(t.status), index("recon_runs_range_idx").on(t.kind, t.rangeTo)],
);

/**
 * A run's cells where the recount (expected) and click_rollups at the run's snapshot (actual)
 * differ. For a recalculation they are its shadow rollups: the swap adds expected − actual.
 */
export const reconMismatches = pgTable(
  "recon_mismatches",
  {
    runId: bigNum("run_id")
      .notNull()
      .references(() => reconRuns.id, { onDelete: "cascade" }),
    adId: text("ad_id").notNull(),
    minute: tsz("minute").notNull(),
    country: text("country").notNull(),
    expected: bigNum("expected").notNull(),
    actual: bigNum("actual").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.adId, t.minute, t.country] })],
);
