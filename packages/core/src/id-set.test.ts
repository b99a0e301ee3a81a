// The expiring id set: membership across growth and sweeps, expiry by minute, no false positives.
import { randomUUID } from "node:crypto";
import { expect, test } from "vitest";
import { ExpiringIdSet, uuidWords } from "./id-set";

const words = (id: string) => {
  const w = new Uint32Array(4);
  uuidWords(id, w);
  return w;
};

test("remembers every id it was given and nothing else, across many resizes", () => {
  const set = new ExpiringIdSet(4);
  const ids = Array.from({ length: 50_000 }, () => words(randomUUID()));
  for (const w of ids) expect(set.seenOrAdd(w, 100, 100)).toBe(false);
  for (const w of ids) expect(set.seenOrAdd(w, 100, 100)).toBe(true);
  for (let i = 0; i < 50_000; i++) expect(set.seenOrAdd(words(randomUUID()), 99, 100)).toBe(false);
  expect(set.bytes).toBeLessThanOrEqual(50_000 * 36);
});

test("ids of minutes before the floor are gone, and their slots are taken again", () => {
  const set = new ExpiringIdSet(16);
  const byMinute = Array.from({ length: 30 }, () => Array.from({ length: 2_000 }, () => words(randomUUID())));
  // A sliding horizon of 5 minutes over 30 minutes of ids: memory follows the live ids only.
  byMinute.forEach((ids, minute) => {
    const floor = Math.max(0, minute - 4);
    for (const w of ids) expect(set.seenOrAdd(w, minute, floor)).toBe(false);
    for (const [old, oldIds] of byMinute.slice(0, minute + 1).entries()) {
      const w = oldIds[(minute * 7) % oldIds.length]!;
      expect([old, set.seenOrAdd(w, old, floor)]).toEqual([old, old >= floor]);
    }
  });
  expect(set.bytes).toBeLessThan(4 * 5 * 2_000 * 18 * 1.01);
  // An expired id is not seen, and is not added for an expired minute either.
  const gone = byMinute[0]![1]!;
  expect(set.seenOrAdd(gone, 0, 26)).toBe(false);
  expect(set.seenOrAdd(gone, 0, 26)).toBe(false);
  expect(set.seenOrAdd(gone, 29, 26)).toBe(false);
  expect(set.seenOrAdd(gone, 29, 26)).toBe(true);
});

test("a minute tag that comes round again (16 bits) never brings an expired id back", () => {
  const set = new ExpiringIdSet(16);
  const w = words(randomUUID());
  const m = 29_600_000; // a minute number of 2026
  expect(set.seenOrAdd(w, m, m)).toBe(false);
  expect(set.seenOrAdd(w, m, m)).toBe(true);
  // Exactly one tag period later, the same tag: without a sweep it would read as live.
  for (const later of [m + 65_535, m + 2 * 65_535, m + 30_001]) {
    const fresh = new ExpiringIdSet(16);
    expect(fresh.seenOrAdd(w, m, m)).toBe(false);
    expect(fresh.seenOrAdd(w, later, later)).toBe(false);
    expect(fresh.seenOrAdd(w, later, later)).toBe(true);
  }
  // Within the live span ahead of the floor (a horizon of a day), ids stay live.
  const ahead = new ExpiringIdSet(16);
  expect(ahead.seenOrAdd(w, m + 1_440, m)).toBe(false);
  expect(ahead.seenOrAdd(w, m + 1_440, m + 1_440)).toBe(true);
});

test("case and dashes do not change an id", () => {
  expect([...words("7F3C1A52-9F0E-4C7E-B0A5-3A8A1F9C2D11")]).toEqual([...words("7f3c1a529f0e4c7eb0a53a8a1f9c2d11")]);
});

test("a table it outgrew gives its memory back at once", () => {
  const set = new ExpiringIdSet(16);
  const table = (set as unknown as { keys: Uint32Array }).keys.buffer;
  expect(table.byteLength).toBeGreaterThan(0);
  for (let i = 0; i < 100; i++) set.seenOrAdd(words(randomUUID()), 10, 10);
  expect(set.bytes).toBeGreaterThan(table.byteLength);
  // Detached (transferred to nothing), not left for the garbage collector.
  expect(table.byteLength).toBe(0);
});
