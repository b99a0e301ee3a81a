// Unit tests of the shared input schemas: time parameters, range rules and error messages.
import { describe, expect, test } from "vitest";
import { describeIssues } from "../trpc";
import { aggregatedCountInput, popularAdsInput } from "./ads";
import { timestampSchema, toTimeRange } from "./query-params";

function messageOf(result: { success: boolean; error?: { issues: Parameters<typeof describeIssues>[0] } }): string {
  return result.success ? "ok" : describeIssues(result.error?.issues ?? []);
}

describe("query params", () => {
  test("timestamps: ISO-8601 with offset or epoch ms; nothing ambiguous", () => {
    expect(timestampSchema.parse("2026-01-05T10:00:00Z")).toBe(Date.UTC(2026, 0, 5, 10));
    expect(timestampSchema.parse("2026-01-05T12:00:00+02:00")).toBe(Date.UTC(2026, 0, 5, 10));
    expect(timestampSchema.parse("1767607200000")).toBe(1767607200000);
    for (const bad of ["2026-01-05T10:00:00", "2026-01-05", "now", "12", ""]) {
      expect(timestampSchema.safeParse(bad).success).toBe(false);
    }
  });

  test("minutes or from/to, with messages naming the field", () => {
    expect(messageOf(aggregatedCountInput.safeParse({ ad_id: "ad-1" }))).toBe(
      "minutes: required: minutes=M, or from and to",
    );
    expect(
      messageOf(aggregatedCountInput.safeParse({ ad_id: "ad-1", from: "1767607200000", to: "1767607100000" })),
    ).toBe("from: must be before to");
    expect(messageOf(aggregatedCountInput.safeParse({ ad_id: "ad-1", minutes: 5, extra: 1 }))).toBe(
      "extra: unknown parameter",
    );
    const ok = aggregatedCountInput.parse({ ad_id: "ad-1", from: "1767607200000", to: "1767607260000", country: "de" });
    expect(ok.country).toBe("DE");
    expect(toTimeRange(ok)).toEqual({ kind: "between", fromMs: 1767607200000, toMs: 1767607260000 });
  });

  test("popular_ads defaults to the book's top 100 over the last minute", () => {
    expect(popularAdsInput.parse({})).toEqual({ count: 100, window: 1 });
    expect(messageOf(popularAdsInput.safeParse({ count: 1001 }))).toBe("count: must be at most 1000");
  });
});
