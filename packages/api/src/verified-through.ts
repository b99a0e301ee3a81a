// `verified_through` for every answer, without a Postgres round trip per request: the end of the
// latest range a reconciliation found clean, cached per process for a few seconds (it moves
// once an hour). Answers never wait on it being fresh: a failed read keeps the last value.

import type { Db } from "@adclicks/db/client";
import { getVerifiedThrough } from "@adclicks/db/reconciliation";

const FRESH_MS = 10_000;

interface Entry {
  value: number | null;
  readAt: number;
  pending?: Promise<number | null> | undefined;
}

const cache = new WeakMap<Db, Entry>();

export async function cachedVerifiedThrough(db: Db, nowMs = Date.now()): Promise<number | null> {
  let e = cache.get(db);
  if (!e) {
    e = { value: null, readAt: Number.NEGATIVE_INFINITY };
    cache.set(db, e);
  }
  if (nowMs - e.readAt < FRESH_MS) return e.value;
  const entry = e;
  entry.pending ??= getVerifiedThrough(db.$client)
    .then((v) => {
      entry.value = v;
      entry.readAt = Date.now();
      return v;
    })
    // Postgres unavailable (Redis may still answer the request): the last known value stands,
    // and the next request past FRESH_MS tries again.
    .catch(() => entry.value)
    .finally(() => {
      entry.pending = undefined;
    });
  return entry.pending;
}
