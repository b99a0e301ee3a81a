// bench:query's day at the book's rate (BENCH_DAY_SCALE=book): 600k clicks a minute over 2M ads
// for every hour the 180- and 1,440-minute windows reach. A day of minute rows at that rate
// (about half a billion) does not fit this disk, and the long windows read minutes only in their
// edge hours, so only those hours get minute rows; every hour gets its hourly rows. One hour of
// traffic is generated (every click drawn, grouped per ad, minute and country) and copied into
// each hour, so the hours are the same Zipf hour and the minute rows and hourly rows agree
// exactly. The tables are loaded without their indexes, which are then built again from their
// own definitions.
import { statfsSync } from "node:fs";
import { MINUTE_MS } from "@adclicks/core";
import type { Db } from "@adclicks/db/client";
import { edgeHours, HOUR_MS, lastMinutesRange, splitHours } from "@adclicks/db/queries";
import { markMinutesFinal } from "@adclicks/db/testing";
import type pg from "pg";
import { vacuumRollups, zipfCells } from "./zipf-rollups";

const HOURLY_TABLES = ["click_rollups_hourly", "ad_clicks_hourly"];
/** The long windows bench:query measures. */
const WINDOWS = [180, 1440];
/**
 * Disk per loaded hour at 600k clicks/min, tables and indexes (measured on this load), plus room
 * for the index builds' sorts and the WAL: the load refuses to start without it.
 */
const HOURLY_BYTES_PER_HOUR = 1.6e9;
const MINUTE_BYTES_PER_HOUR = 3.2e9;
const HEADROOM_BYTES = 15e9;

/**
 * The hours whose hourly rows (every hour reached) and minute rows (the edge hours) are read by
 * windows ending in [fromMs, fromMs + aheadMinutes].
 */
export function bookDayHours(fromMs: number, aheadMinutes: number): { hourly: number[]; minutes: number[] } {
  const hourly = new Set<number>();
  const minutes = new Set<number>();
  const first = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  for (let e = first; e <= first + aheadMinutes * MINUTE_MS; e += MINUTE_MS) {
    for (const m of WINDOWS) {
      const range = lastMinutesRange(e, m);
      for (let h = Math.floor(range.fromMs / HOUR_MS) * HOUR_MS; h < range.toMs; h += HOUR_MS) hourly.add(h);
      for (const h of edgeHours(splitHours(range))) minutes.add(h);
    }
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { hourly: sorted(hourly), minutes: sorted(minutes) };
}

const hourName = (h: number) => `${new Date(h).toISOString().slice(0, 13)}h`;

/** The indexes of some tables as the migrations made them (to drop, then build again). */
async function indexesOf(c: pg.PoolClient, tables: string[]) {
  const { rows } = await c.query<{ tbl: string; name: string; def: string; con: string | null }>(
    `select t.relname as tbl, i.relname as name, pg_get_indexdef(x.indexrelid) as def, pg_get_constraintdef(k.oid) as con
       from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
       left join pg_constraint k on k.conindid = x.indexrelid and k.contype = 'p'
      where t.relname = any($1::text[])`,
    [tables],
  );
  return rows;
}

/**
 * Loads the day into a freshly migrated database (its indexes are read from it, dropped, and
 * built again after the rows): hourly rows for the hours that windows ending in the next
 * `aheadMinutes` reach, then minute rows for the edge hours of windows ending in the next
 * `minutesAheadMinutes`, planned only then so that the hourly part's time does not widen them.
 */
export async function loadBookDay(
  db: Db,
  o: {
    ads: number;
    clicksPerMinute: number;
    aheadMinutes: number;
    minutesAheadMinutes: number;
    log: (msg: string) => void;
  },
): Promise<{ minuteRows: number; hourlyRows: number; adHourRows: number }> {
  const c = await db.$client.connect();
  const timed = async (what: string, sql: string, params: unknown[] = []) => {
    const t0 = performance.now();
    const res = await c.query(sql, params);
    const rows = res.command === "INSERT" || res.command === "SELECT" ? `${res.rowCount ?? 0} rows, ` : "";
    o.log(`  ${what}: ${rows}${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    const hourly = bookDayHours(Date.now(), o.aheadMinutes).hourly;
    const scale = o.clicksPerMinute / 600_000;
    const minuteHoursNow = () => bookDayHours(Date.now(), o.minutesAheadMinutes).minutes;
    const dir = (await c.query<{ d: string }>("select current_setting('data_directory') as d")).rows[0]!.d;
    checkDisk(
      dir,
      (hourly.length * HOURLY_BYTES_PER_HOUR + minuteHoursNow().length * MINUTE_BYTES_PER_HOUR) * scale +
        HEADROOM_BYTES,
      `a day at ${o.clicksPerMinute.toLocaleString("en-US")} clicks/min`,
      o.minutesAheadMinutes,
      o.log,
    );
    await c.query("set work_mem = '4GB'; set maintenance_work_mem = '4GB'");
    const hourlyIndexes = await indexesOf(c, HOURLY_TABLES);
    const minuteIndexes = await indexesOf(c, ["click_rollups"]);
    for (const d of [...hourlyIndexes, ...minuteIndexes]) {
      await c.query(d.con ? `alter table ${d.tbl} drop constraint ${d.name}` : `drop index ${d.name}`);
    }
    const build = async (defs: typeof hourlyIndexes) => {
      for (const d of defs) {
        await timed(`index ${d.name}`, d.con ? `alter table ${d.tbl} add constraint ${d.name} ${d.con}` : d.def);
      }
    };

    o.log(`  one hour at ${o.clicksPerMinute.toLocaleString("en-US")} clicks/min, copied into ${hourly.length} hours`);
    const cells = zipfCells({ minutes: 60, clicksPerMinute: o.clicksPerMinute, ads: o.ads });
    await timed(
      "the hour's clicks, per ad, minute and country",
      `create temp table stage_minutes as ${cells.sql}`,
      cells.params,
    );
    await timed(
      "per ad and country",
      "create temp table stage_hour as select ad_id, country, sum(clicks)::bigint as clicks from stage_minutes group by 1, 2",
    );
    await timed(
      "per ad",
      "create temp table stage_ad as select ad_id, sum(clicks)::bigint as clicks from stage_hour group by 1",
    );
    const t0 = performance.now();
    for (const [i, h] of hourly.entries()) {
      const hour = new Date(h);
      await c.query(
        "insert into click_rollups_hourly (ad_id, hour, country, clicks) select ad_id, $1, country, clicks from stage_hour",
        [hour],
      );
      await c.query("insert into ad_clicks_hourly (ad_id, hour, clicks) select ad_id, $1, clicks from stage_ad", [
        hour,
      ]);
      if ((i + 1) % 5 === 0 || i + 1 === hourly.length) {
        o.log(`  hourly rows: ${i + 1} of ${hourly.length} hours, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
    await build(hourlyIndexes);

    // Windows that cross an hour boundary while they are measured read twice the edge hours.
    const minuteHours = minuteHoursNow();
    checkDisk(
      dir,
      minuteHours.length * MINUTE_BYTES_PER_HOUR * scale + HEADROOM_BYTES,
      `${minuteHours.length} hours of minute rows`,
      o.minutesAheadMinutes,
      o.log,
    );
    for (const h of minuteHours) {
      await timed(
        `minute rows of ${hourName(h)}`,
        `insert into click_rollups (ad_id, minute, country, clicks)
         select ad_id, $1::timestamptz + m * interval '1 minute', country, clicks from stage_minutes`,
        [new Date(h)],
      );
    }
    await build(minuteIndexes);
    await c.query("drop table stage_minutes, stage_hour, stage_ad");
    // Every minute before the clock is final, as the aggregator would have left them.
    const finalMinutes: number[] = [];
    for (let m = hourly[0]!; m < Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS; m += MINUTE_MS) finalMinutes.push(m);
    await markMinutesFinal(db, finalMinutes);
    return await vacuumRollups(db);
  } finally {
    c.release();
  }
}

/** Refuses, naming the shortfall, when Postgres' disk has less than `need` bytes free. */
function checkDisk(dir: string, need: number, what: string, aheadMinutes: number, log: (msg: string) => void): void {
  const gb = (n: number) => `${(n / 1e9).toFixed(0)} GB`;
  let free: number;
  try {
    const fs = statfsSync(dir);
    free = fs.bavail * fs.bsize;
  } catch {
    log(
      `  (Postgres' ${dir} is not readable from here: its free disk is not checked; ${what} needs about ${gb(need)})`,
    );
    return;
  }
  if (free < need) {
    throw new Error(
      `${what} needs about ${gb(need)} of disk for Postgres (${dir}), and ${gb(free)} is free. Free some, or start the load when the next ${aheadMinutes} minutes do not cross an hour (the windows then read half the edge hours)`,
    );
  }
}

/** The edge hours that windows ending in the next `aheadMinutes` read minutes of and that hold none (not loaded). */
export async function missingMinuteHours(db: Db, aheadMinutes: number): Promise<string[]> {
  const missing: string[] = [];
  for (const h of bookDayHours(Date.now(), aheadMinutes).minutes) {
    const res = await db.$client.query("select 1 from click_rollups where minute >= $1 and minute < $2 limit 1", [
      new Date(h),
      new Date(h + HOUR_MS),
    ]);
    if (res.rowCount === 0) missing.push(hourName(h));
  }
  return missing;
}
