// Hot-ad splitting: deterministic keys by event_id, per-minute hot lists, and when a list
// may be written so producers never disagree about a minute.
import { randomUUID } from "node:crypto";
import { expect, test } from "vitest";
import { clickKey, HOT_LIST_LEAD_MS, HotAdRouter, hotListMinute } from "./hot-ads";
import { MINUTE_MS } from "./time";

const T = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE_MS);

test("a duplicate always gets its original's key; a hot ad spreads over all slots", () => {
  const keys = new Set<string>();
  for (let i = 0; i < 2_000; i++) {
    const id = randomUUID();
    const k = clickKey("ad-7", id, 8);
    expect(clickKey("ad-7", id.toUpperCase(), 8)).toBe(k);
    keys.add(k);
  }
  expect([...keys].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `ad-7#${i}`).sort());
  expect(clickKey("ad-7", randomUUID(), 1)).toBe("ad-7");
});

test("the router splits an ad only in the minutes whose list names it", () => {
  const r = new HotAdRouter();
  r.load([
    { minute: T, adId: "hot", slots: 4 },
    { minute: T + MINUTE_MS, adId: "other", slots: 2 },
  ]);
  const id = randomUUID();
  expect(r.slots("hot", T + 59_999)).toBe(4);
  expect(r.keyFor("hot", id, T + 1)).toBe(clickKey("hot", id, 4));
  expect(r.keyFor("hot", id, T + 1)).toMatch(/^hot#[0-3]$/);
  // Another minute, another list: not split there.
  expect(r.keyFor("hot", id, T + MINUTE_MS)).toBe("hot");
  expect(r.keyFor("hot", id, T - 1)).toBe("hot");
  expect(r.keyFor("calm", id, T)).toBe("calm");
  expect(r.size).toBe(2);
  // A reload replaces what was known.
  r.load([]);
  expect(r.keyFor("hot", id, T + 1)).toBe("hot");
  expect(r.size).toBe(0);
});

test("a minute's list is for two minutes later, or later still when finality lags", () => {
  // On time: minute T is final shortly after it ends; its counts decide minute T + 2.
  expect(hotListMinute(T, T + MINUTE_MS + 20_000)).toBe(T + 2 * MINUTE_MS);
  // Late: the list must still be written at least the lead time before its minute begins.
  const now = T + 5 * MINUTE_MS + 30_000;
  const m = hotListMinute(T, now);
  expect(m - now).toBeGreaterThanOrEqual(HOT_LIST_LEAD_MS);
  expect(m % MINUTE_MS).toBe(0);
  expect(m - now).toBeLessThan(HOT_LIST_LEAD_MS + MINUTE_MS);
  // Exactly on the boundary: a minute starting exactly the lead time from now is fine.
  expect(hotListMinute(T, T + 2 * MINUTE_MS - HOT_LIST_LEAD_MS)).toBe(T + 2 * MINUTE_MS);
  expect(hotListMinute(T, T + 2 * MINUTE_MS - HOT_LIST_LEAD_MS + 1)).toBe(T + 3 * MINUTE_MS);
});
