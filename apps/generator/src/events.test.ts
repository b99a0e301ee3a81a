// The event builder: valid events pass the core validator unchanged, malformed ones fail it,
// duplicates repeat earlier lines exactly, ratios and bursts behave as configured.
import { parseClick } from "@adclicks/core";
import { describe, expect, test } from "vitest";
import { ClickFactory, DEFAULT_TRAFFIC, type EventKind, ipForUser, uuidFrom } from "./events";
import { createRng } from "./prng";

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe("ClickFactory", () => {
  test("valid and late events parse to exactly the click they claim; malformed ones are rejected", () => {
    const f = new ClickFactory(createRng(3), {
      ...DEFAULT_TRAFFIC,
      lateRatio: 0.2,
      malformedRatio: 0.1,
      duplicateRatio: 0.1,
    });
    const kinds: Record<EventKind, number> = { valid: 0, late: 0, duplicate: 0, malformed: 0 };
    const defects = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const now = NOW + i;
      const e = f.next(now);
      kinds[e.kind]++;
      const parsed = parseClick(e.line, { nowMs: now });
      if (e.kind === "malformed") {
        expect(parsed.ok, e.line).toBe(false);
        defects.add(e.defect!);
      } else {
        expect(parsed.ok, e.line).toBe(true);
        if (e.click && parsed.ok) expect(parsed.click).toEqual(e.click);
        if (parsed.ok) expect(e.key).toBe(parsed.click.adId);
      }
      if (e.kind === "late") expect(now - e.click!.ts).toBeGreaterThanOrEqual(DEFAULT_TRAFFIC.lateMinMs);
      if (e.kind === "valid") expect(e.click!.ts).toBe(now);
    }
    expect(defects.size).toBe(8);
    expect(kinds.malformed / 20_000).toBeCloseTo(0.1, 1);
    expect(kinds.duplicate / 20_000).toBeCloseTo(0.1, 1);
    expect(kinds.late / (kinds.valid + kinds.late)).toBeCloseTo(0.2, 1);
  });

  test("duplicates repeat an earlier line byte for byte", () => {
    const f = new ClickFactory(createRng(4), { ...DEFAULT_TRAFFIC, duplicateRatio: 0.3 });
    const seen = new Set<string>();
    let dups = 0;
    for (let i = 0; i < 5_000; i++) {
      const e = f.next(NOW);
      if (e.kind === "duplicate") {
        dups++;
        expect(seen.has(e.line)).toBe(true);
      } else seen.add(e.line);
    }
    expect(dups).toBeGreaterThan(1_000);
  });

  test("the same seed reproduces the same traffic", () => {
    const a = new ClickFactory(createRng("s"), { ...DEFAULT_TRAFFIC, malformedRatio: 0.1 });
    const b = new ClickFactory(createRng("s"), { ...DEFAULT_TRAFFIC, malformedRatio: 0.1 });
    for (let i = 0; i < 500; i++) expect(a.next(NOW + i).line).toBe(b.next(NOW + i).line);
  });

  test("explicit ad ids and unknown ads: only those ids appear, the first is the hottest", () => {
    const adIds = Array.from({ length: 50 }, (_, i) => `ad-${i + 1}`);
    const unknown = ["ad-unknown-1", "ad-unknown-2"];
    const f = new ClickFactory(createRng(5), { ...DEFAULT_TRAFFIC, adIds, unknownAdIds: unknown, zipfExponent: 1.1 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const e = f.next(NOW);
      counts.set(e.click!.adId, (counts.get(e.click!.adId) ?? 0) + 1);
    }
    for (const id of counts.keys()) expect([...adIds, ...unknown]).toContain(id);
    const top = [...counts.entries()].sort((x, y) => y[1] - x[1])[0];
    expect(top?.[0]).toBe("ad-1");
    expect(counts.get("ad-unknown-1")).toBeGreaterThan(0);
  });

  test("during a burst one ad takes the configured share, outside it does not", () => {
    const cfg = { ...DEFAULT_TRAFFIC, adCount: 10_000, burstShare: 0.5, burstEveryMs: 60_000, burstDurationMs: 10_000 };
    const f = new ClickFactory(createRng(6), cfg);
    const burstAt = Math.floor(NOW / 60_000) * 60_000 + 1_000;
    const hot = f.hotAd(burstAt)!;
    expect(hot).toBeDefined();
    expect(f.hotAd(burstAt + 20_000)).toBeUndefined();
    let inBurst = 0;
    let outside = 0;
    for (let i = 0; i < 4_000; i++) {
      if (f.next(burstAt).click!.adId === hot) inBurst++;
      if (f.next(burstAt + 20_000).click!.adId === hot) outside++;
    }
    expect(inBurst / 4_000).toBeGreaterThan(0.45);
    expect(outside / 4_000).toBeLessThan(0.05);
  });
});

test("uuidFrom gives RFC 4122 v4 UUIDs and ipForUser stable valid addresses", () => {
  const rng = createRng(8);
  for (let i = 0; i < 1_000; i++) {
    expect(uuidFrom(rng)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ipForUser(i)).toBe(ipForUser(i));
  }
});
