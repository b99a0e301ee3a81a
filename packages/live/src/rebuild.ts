// Rebuilds every live window from the Postgres rollups (after Redis lost its data, or on first
// start): the rollups are read by @adclicks/db in one snapshot, the sets written here.
import { randomUUID } from "node:crypto";
import { minuteOf } from "@adclicks/core";
import type { PgPool } from "@adclicks/db/client";
import { type RollupCell, withRollupSnapshot } from "@adclicks/db/rollup-snapshot";
import type { Redis } from "ioredis";
import { appliedField, deriveLiveSets } from "./live-windows";
import { luaScript, runScript } from "./lua-scripts";
import { keptBucketOf, keptFrom, LIVE_TTL_MS, type RedisKeys } from "./redis-keys";

const RELEASE_LOCK = luaScript("adclicksReleaseLock", 1, ["release-lock.lua"]);

/** Long enough for a rebuild at full scale; a crashed rebuilder blocks others (and leaves its scratch sets) at most this long. */
const REBUILD_LOCK_MS = 600_000;

/**
 * One rebuilder at a time (a lock); checkpoint applies are refused until it is done, and the
 * seqs of the snapshot make later applies of older checkpoints no-ops. The minutes kept at the
 * clock `nowMs` are rebuilt (those ahead of it too). Rollups go into scratch sorted sets, one
 * per minute and country, a minute at a time; every live set is then derived from the sum of its
 * scratch sets, added up by Redis (no copy in this process).
 */
export async function rebuildLiveWindows(
  pool: PgPool,
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
  nowMs: number = Date.now(),
): Promise<{ rebuilt: boolean; rows: number; head: number }> {
  const token = randomUUID();
  const locked = await redis.set(keys.rebuildLock, token, "PX", REBUILD_LOCK_MS, "NX");
  if (locked !== "OK") return { rebuilt: false, rows: 0, head: 0 };
  const scratch = (m: number, c: string) => `${keys.tag}:rb:${m}:${c}`;
  try {
    await redis.hdel(keys.meta, "ready");
    for (const kind of ["m", "mh", "mc", "b", "bh", "bc", "rb"]) await deleteByPattern(redis, `${keys.tag}:${kind}:*`);
    await redis.del(keys.applied);

    const countriesOf = new Map<number, string[]>(); // minute -> its countries
    let rowCount = 0;
    // One snapshot for rollups and seqs; read a minute at a time so memory stays bounded.
    const clock = minuteOf(nowMs);
    const { head, seqs } = await withRollupSnapshot(pool, consumer, async (snap) => {
      let newest = 0;
      for (const m of await snap.minutesFrom(keptFrom(clock))) {
        const rows = await snap.minute(m);
        rowCount += rows.length;
        countriesOf.set(m, await writeScratch(redis, (c) => scratch(m, c), rows));
        newest = m;
      }
      return { head: newest, seqs: await snap.seqs() };
    });
    const bucketSources = new Map<number, Map<string, string[]>>();
    for (const [m, countries] of countriesOf) {
      await deriveLiveSets(redis, keys, "minute", m, new Map(countries.map((c) => [c, [scratch(m, c)]])));
      const b = keptBucketOf(m, clock);
      if (b === null) continue;
      const sources = bucketSources.get(b) ?? new Map<string, string[]>();
      for (const c of countries) sources.set(c, [...(sources.get(c) ?? []), scratch(m, c)]);
      bucketSources.set(b, sources);
    }
    for (const [b, sources] of bucketSources) await deriveLiveSets(redis, keys, "bucket", b, sources);
    const scratchKeys = [...countriesOf].flatMap(([m, countries]) => countries.map((c) => scratch(m, c)));
    for (let i = 0; i < scratchKeys.length; i += 1000) await redis.unlink(...scratchKeys.slice(i, i + 1000));
    const multi = redis.multi();
    for (const s of seqs) multi.hset(keys.applied, appliedField(consumer, s.partition), s.seq);
    multi.hset(keys.meta, "head", head, "clock", clock, "ready", "1", "rebuilt_at", nowMs);
    multi.pexpire(keys.meta, LIVE_TTL_MS).pexpire(keys.applied, LIVE_TTL_MS);
    await multi.exec();
    return { rebuilt: true, rows: rowCount, head };
  } finally {
    // Release only our own lock.
    await runScript<number>(redis, RELEASE_LOCK, [keys.rebuildLock, token]);
  }
}

/** Rows of one minute into scratch sorted sets, one per country; its countries. */
async function writeScratch(redis: Redis, keyOf: (country: string) => string, rows: RollupCell[]): Promise<string[]> {
  const sets = new Map<string, (string | number)[]>();
  for (const r of rows) {
    let args = sets.get(r.country);
    if (!args) {
      args = [];
      sets.set(r.country, args);
    }
    args.push(r.clicks, r.ad_id);
  }
  const pipe = redis.pipeline();
  for (const [c, args] of sets) {
    for (let i = 0; i < args.length; i += 2000) pipe.zadd(keyOf(c), ...args.slice(i, i + 2000));
    pipe.pexpire(keyOf(c), REBUILD_LOCK_MS);
  }
  await pipe.exec();
  return [...sets.keys()];
}

async function deleteByPattern(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== "0");
}
