// Hot-ad detection and deterministic splitting by event_id.
import { randomUUID } from "node:crypto";
import { expect, test } from "vitest";
import { clickKey, HotAdDetector } from "./hot-ads";

test("an ad over the threshold is split in the next window, others are not", () => {
  const d = new HotAdDetector({ thresholdPerSec: 100, slots: 8 });
  for (let i = 0; i < 150; i++) expect(d.record("hot", 1_000 + i)).toBe(1);
  d.record("calm", 1_500);
  expect(d.record("hot", 2_000)).toBe(8);
  expect(d.record("calm", 2_001)).toBe(1);
  // It cools down: one click in the next window and it is back to a single key.
  expect(d.record("hot", 3_000)).toBe(1);
  expect(d.isHot("hot")).toBe(false);
});

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
