// Test fixtures of the Postgres stores (the `./testing` entry, not the production one): write
// clicks to the raw archive and their rollups (minute and hourly) to Postgres, mark minutes
// final, and compute the brute-force ground truth. The Redis live windows' fixture is @adclicks/live/testing.
import type { Click } from "@adclicks/core";
import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { rebuildHourlyRollups } from "./hourly-rollups";
import { floorMinute, HOUR_MS, MINUTE_MS } from "./queries/types";

/** A fixture click is a validated click of the core schema. */
export type FixtureClick = Click;

export interface RollupRow {
  adId: string;
  minuteMs: number;
  country: string;
  clicks: number;
}

/** Sums clicks per (ad, minute, country): what the aggregator writes for these clicks. */
export function rollupsOf(clicks: readonly FixtureClick[]): RollupRow[] {
  const m = new Map<string, RollupRow>();
  for (const c of clicks) {
    const minuteMs = floorMinute(c.ts);
    const k = `${c.adId}\u0000${minuteMs}\u0000${c.country}`;
    const row = m.get(k);
    if (row) row.clicks += 1;
    else m.set(k, { adId: c.adId, minuteMs, country: c.country, clicks: 1 });
  }
  return [...m.values()];
}

/** Creates the hourly raw_clicks partitions covering [fromMs, toMs). */
export async function ensureRawPartitions(db: Db, fromMs: number, toMs: number): Promise<void> {
  for (let h = Math.floor(fromMs / HOUR_MS) * HOUR_MS; h < toMs; h += HOUR_MS) {
    const d = new Date(h);
    const name = `raw_clicks_${d.toISOString().slice(0, 13).replace(/[-T]/g, "")}`;
    await db.execute(
      sql.raw(
        `create table if not exists ${name} partition of raw_clicks for values from ('${d.toISOString()}') to ('${new Date(h + HOUR_MS).toISOString()}')`,
      ),
    );
  }
}

export async function writeRawClicks(db: Db, clicks: readonly FixtureClick[]): Promise<void> {
  if (clicks.length === 0) return;
  const ts = clicks.map((c) => c.ts);
  await ensureRawPartitions(db, Math.min(...ts), Math.max(...ts) + 1);
  for (let i = 0; i < clicks.length; i += 1000) {
    const chunk = clicks.slice(i, i + 1000);
    await db.execute(
      sql`insert into raw_clicks (ts, event_id, ad_id, user_id, ip, country) values ${sql.join(
        chunk.map((c) => sql`(${new Date(c.ts)}, ${c.eventId}, ${c.adId}, ${c.userId}, ${c.ip}, ${c.country})`),
        sql`, `,
      )} on conflict do nothing`,
    );
  }
}

/** Upserts rollup rows (replacing the count: fixtures state the truth), and their hours' hourly rollups. */
export async function writeRollups(db: Db, rows: readonly RollupRow[]): Promise<void> {
  if (rows.length === 0) return;
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await db.execute(
      sql`insert into click_rollups (ad_id, minute, country, clicks) values ${sql.join(
        chunk.map((r) => sql`(${r.adId}, ${new Date(r.minuteMs)}, ${r.country}, ${r.clicks})`),
        sql`, `,
      )} on conflict (ad_id, minute, country) do update set clicks = excluded.clicks`,
    );
  }
  const minutes = rows.map((r) => r.minuteMs);
  await rebuildHourlyRollups(db.$client, {
    fromMs: minutes.reduce((a, b) => Math.min(a, b)),
    toMs: minutes.reduce((a, b) => Math.max(a, b)) + MINUTE_MS,
  });
}

/** Marks minutes final (the watermark passed them). */
export async function markMinutesFinal(db: Db, minutesMs: readonly number[], finalAt = new Date()): Promise<void> {
  if (minutesMs.length === 0) return;
  await db.execute(
    sql`insert into minute_status (minute, final_at) values ${sql.join(
      minutesMs.map((m) => sql`(${new Date(m)}, ${finalAt})`),
      sql`, `,
    )} on conflict (minute) do update set final_at = excluded.final_at`,
  );
}

export interface TruthQuery {
  adId?: string;
  fromMs: number;
  toMs: number;
  country?: string | undefined;
  ip?: string | undefined;
  userId?: string | undefined;
  adIds?: ReadonlySet<string>;
}

/** Ground truth by brute force over the clicks themselves. */
export function truthClicks(clicks: readonly FixtureClick[], q: TruthQuery): FixtureClick[] {
  return clicks.filter(
    (c) =>
      c.ts >= q.fromMs &&
      c.ts < q.toMs &&
      (q.adId === undefined || c.adId === q.adId) &&
      (q.country === undefined || c.country === q.country) &&
      (q.ip === undefined || c.ip === q.ip) &&
      (q.userId === undefined || c.userId === q.userId) &&
      (q.adIds === undefined || q.adIds.has(c.adId)),
  );
}

/** Ground-truth top N: count desc, ad_id ascending (byte order). */
export function truthTopN(
  clicks: readonly FixtureClick[],
  q: TruthQuery,
  n: number,
): { adId: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of truthClicks(clicks, q)) counts.set(c.adId, (counts.get(c.adId) ?? 0) + 1);
  return [...counts]
    .map(([adId, count]) => ({ adId, count }))
    .sort((a, b) => b.count - a.count || (a.adId < b.adId ? -1 : a.adId > b.adId ? 1 : 0))
    .slice(0, n);
}

/** Deterministic PRNG (mulberry32), so fixtures are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateClicksOptions {
  seed: number;
  count: number;
  /** Clicks fall in [startMs, startMs + minutes); the last minute always gets one (the head). */
  startMs: number;
  minutes: number;
  adIds: readonly string[];
  countries: readonly string[];
  users: number;
  ips: number;
}

/** Skewed clicks (early ad ids are hot), so top N has a clear head and a tied tail. */
export function generateClicks(o: GenerateClicksOptions): FixtureClick[] {
  const rnd = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[], r: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * r))] as T;
  const out: FixtureClick[] = [];
  const make = (i: number, ts: number): FixtureClick => ({
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    adId: pick(o.adIds, rnd() ** 2),
    ts,
    userId: `u${Math.floor(rnd() * o.users)}`,
    ip: `10.0.0.${Math.floor(rnd() * o.ips)}`,
    country: pick(o.countries, rnd()),
  });
  for (let i = 0; i < o.count; i++) out.push(make(i, o.startMs + Math.floor(rnd() * o.minutes * MINUTE_MS)));
  out.push(make(o.count, o.startMs + (o.minutes - 1) * MINUTE_MS + 5_000));
  return out;
}
