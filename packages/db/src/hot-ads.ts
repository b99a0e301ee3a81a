// Producers' side of hot-ad splitting: the hot lists the aggregator writes (hot_ads), read
// into a HotAdRouter and kept fresh by polling.
import { type HotAdEntry, HotAdRouter } from "@adclicks/core";
import type pg from "pg";
import { createPool } from "./client";

/** Hot lists of the minutes from `sinceMs` on. */
export async function loadHotAds(pool: pg.Pool, sinceMs: number): Promise<HotAdEntry[]> {
  const { rows } = await pool.query<{ ms: number; ad_id: string; slots: number }>(
    `select (extract(epoch from minute) * 1000)::bigint as ms, ad_id, slots from hot_ads
      where minute >= to_timestamp($1 / 1000.0)`,
    [sinceMs],
  );
  return rows.map((r) => ({ minute: Number(r.ms), adId: r.ad_id, slots: r.slots }));
}

export interface HotAdWatch {
  /** Resolves after the first successful read (producers should route with real lists). */
  ready: Promise<void>;
  stop(): void;
}

/**
 * Polls the hot lists into `router` every `intervalMs` (well under HOT_LIST_LEAD_MS, so a list
 * is known before its minute begins). Lists of minutes older than `horizonMs` are not kept: a
 * duplicate that late is beyond the dedup horizon anyway.
 */
export function watchHotAds(
  pool: pg.Pool,
  router: HotAdRouter,
  opts: {
    intervalMs?: number;
    horizonMs?: number;
    onError?: (err: unknown) => void;
    now?: () => number;
  } = {},
): HotAdWatch {
  const intervalMs = opts.intervalMs ?? 5_000;
  const horizonMs = opts.horizonMs ?? 2 * 3_600_000;
  const now = opts.now ?? Date.now;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const poll = async () => {
    try {
      router.load(await loadHotAds(pool, now() - horizonMs));
      markReady();
    } catch (err) {
      // The last lists stay in force; they only go stale if the database stays away.
      opts.onError?.(err);
    }
    if (!stopped) timer = setTimeout(poll, intervalMs);
  };
  void poll();
  return {
    ready,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

export interface HotAdFeed {
  /** The lists as last read (kept fresh in the background). */
  router: HotAdRouter;
  close(): Promise<void>;
}

/**
 * A producer's hot-ad lists, polled from `databaseUrl` on a connection of its own. Resolves after
 * the first read, or after `waitMs` if the database does not answer (the producer then starts
 * with no lists and keeps the last ones it read whenever the database is away).
 */
export async function openHotAdFeed(
  databaseUrl: string,
  opts: { onError?: (err: unknown) => void; waitMs?: number } = {},
): Promise<HotAdFeed> {
  const pool = createPool(databaseUrl, 1);
  const router = new HotAdRouter();
  const watch = watchHotAds(pool, router, { onError: opts.onError });
  await Promise.race([watch.ready, new Promise((r) => setTimeout(r, opts.waitMs ?? 5_000))]);
  return {
    router,
    async close() {
      watch.stop();
      await pool.end();
    },
  };
}
