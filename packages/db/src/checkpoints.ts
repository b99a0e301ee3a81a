// The exactly-once write path: one Postgres transaction stores a checkpoint's rollup deltas (the
// minute rollups and their hourly sums), each partition's next offset (fenced by its seq), the
// Redis outbox, late corrections and minute finality. Kafka offsets are only a hint; these rows
// are the truth.

import { createRequire } from "node:module";
import type { CheckpointPlan, PartitionCheckpoint } from "@adclicks/core";
import { hotListMinute, type MinuteCounts } from "@adclicks/core";
import type pg from "pg";

// lz4-napi is a CommonJS native addon.
const lz4 = createRequire(import.meta.url)("lz4-napi") as {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer): Buffer;
};
/** First byte of an outbox payload: lz4 block of grouped JSON. Rows from before it start with '['. */
const OUTBOX_LZ4 = 0x01;

/** A checkpoint's cells as stored in the outbox: MinuteCounts' grouped format, JSON, lz4. */
export function encodeOutboxDeltas(counts: MinuteCounts): Buffer {
  return Buffer.concat([Buffer.of(OUTBOX_LZ4), lz4.compressSync(Buffer.from(JSON.stringify(counts.grouped())))]);
}

/** Adds an outbox payload's cells to `into` (either format). */
export function decodeOutboxDeltas(payload: Buffer, into: MinuteCounts): void {
  if (payload[0] === OUTBOX_LZ4) {
    into.addGrouped(JSON.parse(lz4.uncompressSync(payload.subarray(1)).toString("utf8")) as unknown[]);
    return;
  }
  // Written before migration 0003: flat [minute, country, ad, clicks]* JSON text.
  const flat = JSON.parse(payload.toString("utf8")) as (string | number)[];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    into.add(Number(flat[i]), String(flat[i + 1]), String(flat[i + 2]), Number(flat[i + 3]));
  }
}

export interface StoredCheckpoint extends PartitionCheckpoint {
  partition: number;
  updatedAtMs: number;
}

/** Raised when another worker advanced a partition first (rebalance or zombie): nothing was written. */
export class CheckpointFencedError extends Error {
  constructor(readonly partitions: number[]) {
    super(`checkpoint fenced: partitions ${partitions.join(",")} were advanced by another worker`);
  }
}

export async function loadCheckpoints(
  pool: pg.Pool | pg.PoolClient,
  consumer: string,
  topic: string,
): Promise<Map<number, StoredCheckpoint>> {
  const { rows } = await pool.query<{
    partition: number;
    next_offset: number;
    seq: number;
    max_event_ms: number;
    dedup_from_offset: number;
    updated_ms: number;
  }>(
    `select partition, next_offset, seq, max_event_ms, dedup_from_offset,
            (extract(epoch from updated_at) * 1000)::bigint as updated_ms
       from consumer_checkpoints where consumer = $1 and topic = $2`,
    [consumer, topic],
  );
  return new Map(
    rows.map((r) => [
      r.partition,
      {
        partition: r.partition,
        nextOffset: r.next_offset,
        seq: r.seq,
        maxEventMs: r.max_event_ms,
        dedupFromOffset: r.dedup_from_offset,
        updatedAtMs: r.updated_ms,
      },
    ]),
  );
}

export interface CommitInput {
  consumer: string;
  topic: string;
  plan: CheckpointPlan;
  /** Outbox entries Redis has applied since the last commit: deleted in this transaction. */
  appliedOutbox: { partition: number; seq: number }[];
  /** Hot-ad splitting: ads with at least this many clicks in a final minute get `slots` keys. */
  hotAds?: { clicksPerMinute: number; slots: number };
  nowMs?: number;
}

export interface CommitResult {
  /** Minutes this transaction made final (this worker publishes them). */
  finalized: number[];
  /** Every partition's stored progress after the commit (other workers' too). */
  checkpoints: Map<number, StoredCheckpoint>;
}

/**
 * Adds rollup increments to the minute rollups and to their hourly sums, in the caller's
 * transaction: every path that changes click_rollups goes through here (late corrections too),
 * so the hourly tables stay exactly the minute rollups summed by hour. One statement: the cells
 * cross the wire and are parsed once, not once per table.
 *
 * The hourly sums have one row per key (an upsert must not touch a row twice) and are sorted
 * like the cells, so concurrent checkpoints lock each table's rows in one order. Postgres does not
 * promise an order between a statement's parts, but one plan runs them in one (the outer insert,
 * then the CTEs); were two checkpoints ever to deadlock, Postgres aborts one and it is retried.
 */
const ADD_ROLLUPS = `
  with u as materialized (
    select a, m, c, n from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) as u(a, m, c, n)
  ), minutes as (
    insert into click_rollups (ad_id, minute, country, clicks)
    select a, to_timestamp(m / 1000.0), c, n from u
    on conflict (ad_id, minute, country) do update set clicks = click_rollups.clicks + excluded.clicks
  ), hours as (
    insert into click_rollups_hourly (ad_id, hour, country, clicks)
    select a, to_timestamp((m / 3600000) * 3600), c, sum(n) from u
     group by m / 3600000, c, a order by m / 3600000, c collate "C", a collate "C"
    on conflict (ad_id, hour, country) do update set clicks = click_rollups_hourly.clicks + excluded.clicks
  )
  insert into ad_clicks_hourly (ad_id, hour, clicks)
  select a, to_timestamp((m / 3600000) * 3600), sum(n) from u
   group by m / 3600000, a order by m / 3600000, a collate "C"
  on conflict (ad_id, hour) do update set clicks = ad_clicks_hourly.clicks + excluded.clicks`;

async function addRollups(client: pg.PoolClient, literals: [string, string, string, string]): Promise<void> {
  await client.query(ADD_ROLLUPS, literals);
}

// Cells whose minute is already final are corrections: recorded, and the minute republished.
async function recordLate(client: pg.PoolClient, groups: CellGroup[]): Promise<void> {
  await client.query(
    `with late as (
       select a, to_timestamp(m / 1000.0) as minute, c, n
         from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) as u(a, m, c, n)
     ), ins as (
       insert into late_events (ad_id, minute, country, clicks) select a, minute, c, n from late
     )
     update minute_status s set late_clicks = s.late_clicks + x.n, needs_republish = true
       from (select minute, sum(n) as n from late group by minute) x
      where s.minute = x.minute`,
    [
      groups.flatMap((g) => g.ads),
      groups.flatMap((g) => g.ads.map(() => g.minute)),
      groups.flatMap((g) => g.ads.map(() => g.country)),
      groups.flatMap((g) => g.clicks),
    ],
  );
}

export async function commitCheckpoint(pool: pg.Pool, input: CommitInput): Promise<CommitResult> {
  const { consumer, topic, plan } = input;
  const cells = rollupCells(plan.partitions.map((pp) => pp.counts));
  const client = await pool.connect();
  try {
    await client.query("begin");
    const fenced = await advanceOffsets(client, consumer, topic, plan);
    if (fenced.length > 0) {
      await client.query("rollback");
      throw new CheckpointFencedError(fenced);
    }
    if (cells.groups.length > 0) {
      const minutes = cells.minutes;
      await client.query(
        `insert into minute_status (minute) select to_timestamp(m / 1000.0) from unnest($1::bigint[]) as m
         on conflict do nothing`,
        [minutes],
      );
      // FOR SHARE: no other worker can finalize these minutes until we commit, so a cell is
      // either counted before its minute is final, or recorded here as a late correction.
      const final = await client.query<{ ms: number }>(
        `select (extract(epoch from minute) * 1000)::bigint as ms from minute_status
          where minute = any(select to_timestamp(m / 1000.0) from unnest($1::bigint[]) as m)
            and final_at is not null for share`,
        [minutes],
      );
      await addRollups(client, cells.literals);
      if (final.rows.length > 0) {
        const finalMinutes = new Set(final.rows.map((r) => r.ms));
        const late = cells.groups.filter((g) => finalMinutes.has(g.minute));
        await recordLate(client, late);
      }
    }
    // Every seq gets a row, empty or not: Redis applies them strictly in order.
    const outbox = plan.partitions;
    if (outbox.length > 0) {
      await client.query(
        `insert into redis_outbox (consumer, partition, seq, deltas)
         select $1, p, s, d from unnest($2::int[], $3::bigint[], $4::bytea[]) as u(p, s, d)`,
        [
          consumer,
          outbox.map((pp) => pp.partition),
          outbox.map((pp) => pp.seq),
          outbox.map((pp) => encodeOutboxDeltas(pp.counts)),
        ],
      );
    }
    if (input.appliedOutbox.length > 0) {
      await client.query(
        `delete from redis_outbox o using unnest($2::int[], $3::bigint[]) as u(p, s)
          where o.consumer = $1 and o.partition = u.p and o.seq <= u.s`,
        [consumer, input.appliedOutbox.map((a) => a.partition), input.appliedOutbox.map((a) => a.seq)],
      );
    }
    let finalized: number[] = [];
    if (plan.finalBefore !== undefined) {
      const res = await client.query<{ ms: number }>(
        `update minute_status set final_at = now()
          where minute < to_timestamp($1 / 1000.0) and final_at is null
          returning (extract(epoch from minute) * 1000)::bigint as ms`,
        [plan.finalBefore],
      );
      finalized = res.rows.map((r) => r.ms).sort((a, b) => a - b);
      const newest = finalized.at(-1);
      if (newest !== undefined && input.hotAds && input.hotAds.clicksPerMinute > 0) {
        await writeHotAds(client, newest, input.hotAds, input.nowMs ?? Date.now());
      }
    }
    const checkpoints = await loadCheckpoints(client, consumer, topic);
    await client.query("commit");
    return { finalized, checkpoints };
  } catch (err) {
    // A failed rollback must not hide the error rethrown below.
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The hot list decided by a minute that just became final (only the newest one: when finality
 * lags, older minutes say nothing about what is hot now). Lists older than a day are dropped.
 */
async function writeHotAds(
  client: pg.PoolClient,
  finalMinute: number,
  opts: { clicksPerMinute: number; slots: number },
  nowMs: number,
): Promise<void> {
  await client.query(
    `insert into hot_ads (minute, ad_id, slots, decided_by, clicks)
     select to_timestamp($2 / 1000.0), ad_id, $3, to_timestamp($1 / 1000.0), sum(clicks) from click_rollups
      where minute = to_timestamp($1 / 1000.0)
      group by ad_id having sum(clicks) >= $4
     on conflict do nothing`,
    [finalMinute, hotListMinute(finalMinute, nowMs), opts.slots, opts.clicksPerMinute],
  );
  await client.query("delete from hot_ads where minute < to_timestamp($1 / 1000.0) - interval '1 day'", [nowMs]);
}

/** Writes each partition's new offset if, and only if, its stored seq is still the one we read. */
async function advanceOffsets(client: pg.PoolClient, consumer: string, topic: string, plan: CheckpointPlan) {
  const fresh = plan.partitions.filter((p) => p.prevSeq === 0);
  const known = plan.partitions.filter((p) => p.prevSeq > 0);
  const written = new Set<number>();
  const cols = (ps: typeof plan.partitions) => [
    ps.map((p) => p.partition),
    ps.map((p) => p.prevSeq),
    ps.map((p) => p.nextOffset),
    ps.map((p) => p.seq),
    ps.map((p) => p.maxEventMs),
    ps.map((p) => p.dedupFromOffset),
  ];
  if (fresh.length > 0) {
    const res = await client.query<{ partition: number }>(
      `insert into consumer_checkpoints (consumer, topic, partition, next_offset, seq, max_event_ms, dedup_from_offset)
       select $1, $2, p, o, s, e, d from unnest($3::int[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])
         as u(p, prev, o, s, e, d)
       on conflict do nothing returning partition`,
      [consumer, topic, ...cols(fresh)],
    );
    for (const r of res.rows) written.add(r.partition);
  }
  if (known.length > 0) {
    const res = await client.query<{ partition: number }>(
      `update consumer_checkpoints c
          set next_offset = u.o, seq = u.s, max_event_ms = greatest(c.max_event_ms, u.e),
              dedup_from_offset = u.d, updated_at = now()
         from unnest($3::int[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])
           as u(p, prev, o, s, e, d)
        where c.consumer = $1 and c.topic = $2 and c.partition = u.p and c.seq = u.prev
       returning c.partition`,
      [consumer, topic, ...cols(known)],
    );
    for (const r of res.rows) written.add(r.partition);
  }
  return plan.partitions.filter((p) => !written.has(p.partition)).map((p) => p.partition);
}

/** The cells of one (minute, country), ads in order, each with its clicks. */
interface CellGroup {
  minute: number;
  country: string;
  ads: string[];
  clicks: number[];
}

/**
 * The rollup cells of a checkpoint's partitions, summed per cell (a hot ad puts one cell in
 * several partitions, and one upsert must not touch a row twice) and sorted by (minute, country,
 * ad): concurrent upserts then lock rows in one order (no deadlocks). Also as the upsert's array
 * literals, written here rather than by pg (3× faster at 100k cells): the minute and country
 * columns are one repeated piece per group, and ids and countries, validated, need no escaping
 * (checked per id, not on the joined text, whose separators are quotes; quoting keeps an ad
 * named NULL an ad).
 */
function rollupCells(parts: MinuteCounts[]): {
  minutes: number[];
  groups: CellGroup[];
  literals: [string, string, string, string];
} {
  // Each partition's per-ad map as it is: with ad-keyed partitions they share no cell.
  const byMinute = new Map<number, Map<string, ReadonlyMap<string, number>[]>>();
  for (const counts of parts) {
    for (const [minute, country, byAd] of counts.groups()) {
      let byCountry = byMinute.get(minute);
      if (!byCountry) {
        byCountry = new Map();
        byMinute.set(minute, byCountry);
      }
      const maps = byCountry.get(country);
      if (maps) maps.push(byAd);
      else byCountry.set(country, [byAd]);
    }
  }
  const groups: CellGroup[] = [];
  const text: [string[], string[], string[], string[]] = [[], [], [], []];
  const minutes = [...byMinute.keys()].sort((a, b) => a - b);
  for (const minute of minutes) {
    const byCountry = byMinute.get(minute)!;
    for (const country of [...byCountry.keys()].sort()) {
      const maps = byCountry.get(country)!;
      let byAd = maps[0]!;
      if (maps.length > 1) {
        const sum = new Map(byAd);
        for (const other of maps.slice(1)) for (const [ad, n] of other) sum.set(ad, (sum.get(ad) ?? 0) + n);
        byAd = sum;
      }
      const ads = [...byAd.keys()].sort();
      const clicks = ads.map((ad) => byAd.get(ad)!);
      groups.push({ minute, country, ads, clicks });
      text[0].push((ads.some((ad) => NEEDS_ESCAPE.test(ad)) ? ads.map(escapeElement) : ads).join('","'));
      text[1].push(`,${minute}`.repeat(ads.length).slice(1));
      text[2].push(`,"${escapeElement(country)}"`.repeat(ads.length).slice(1));
      text[3].push(clicks.join(","));
    }
  }
  return {
    minutes,
    groups,
    literals: [
      `{"${text[0].join('","')}"}`,
      `{${text[1].join(",")}}`,
      `{${text[2].join(",")}}`,
      `{${text[3].join(",")}}`,
    ],
  };
}

const NEEDS_ESCAPE = /["\\]/;

/** An element of a Postgres array literal, inside its double quotes. */
function escapeElement(x: string): string {
  return x.replace(/["\\]/g, "\\$&");
}

/**
 * The oldest outbox entries not yet applied to Redis for the given partitions (seq above what
 * `applied` says was applied), at most `limit`, in seq order per partition; payloads still
 * compressed (see decodeOutboxDeltas).
 */
export async function loadOutbox(
  pool: pg.Pool,
  consumer: string,
  partitions: number[],
  applied: Map<number, number>,
  limit = 64,
): Promise<{ partition: number; seq: number; deltas: Buffer }[]> {
  const { rows } = await pool.query<{ partition: number; seq: number; deltas: Buffer }>(
    `select o.partition, o.seq, o.deltas
       from redis_outbox o
       join unnest($2::int[], $3::bigint[]) as u(p, s) on o.partition = u.p and o.seq > u.s
      where o.consumer = $1
      order by o.seq, o.partition limit $4`,
    [consumer, partitions, partitions.map((p) => applied.get(p) ?? 0), limit],
  );
  return rows.sort((a, b) => a.partition - b.partition || a.seq - b.seq);
}
