// Ground truth: counts per (ad, minute, country) over valid distinct events, and a lossless JSON form.
import { expect, test } from "vitest";
import { GroundTruth, truthKey } from "./ground-truth";

const M = Date.UTC(2025, 0, 1, 10, 0);

test("counts valid and late clicks per minute bucket; duplicates and malformed only in totals", () => {
  const t = new GroundTruth();
  t.record({ kind: "valid", click: { adId: "a", ts: M + 1, country: "US" } });
  t.record({ kind: "valid", click: { adId: "a", ts: M + 59_999, country: "US" } });
  t.record({ kind: "late", click: { adId: "a", ts: M - 1, country: "US" } });
  t.record({ kind: "duplicate" });
  t.record({ kind: "malformed" });
  expect(t.asMap().get(truthKey("a", M, "US"))).toBe(2);
  expect(t.asMap().get(truthKey("a", M - 60_000, "US"))).toBe(1);
  expect(t.clicks).toBe(3);
  expect(t.totals).toEqual({ valid: 2, late: 1, duplicate: 1, malformed: 1 });
  expect(t.perAd().get("a")).toBe(3);
});

test("survives a JSON round trip and merges", () => {
  const t = new GroundTruth();
  t.record({ kind: "valid", click: { adId: "a", ts: M, country: "US" } });
  t.record({ kind: "valid", click: { adId: "b", ts: M, country: "DE" } });
  const back = GroundTruth.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
  expect(back.rows()).toEqual(t.rows());
  back.merge(t);
  expect(back.clicks).toBe(4);
  expect(back.asMap().get(truthKey("b", M, "DE"))).toBe(2);
});
