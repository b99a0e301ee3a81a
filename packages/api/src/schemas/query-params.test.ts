// Unit tests of the shared input schemas: time parameters, range rules and error messages.
import { describe, expect, test } from "vitest";
import { describeIssues } from "../trpc";
import { aggregatedCountInput, popularAdsInput } from "./ads";
import { ipSchema, textParam, timestampSchema, toTimeRange, userIdSchema } from "./query-params";

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

  test("timestamps outside 1970 to 9999 are refused, before any date arithmetic", () => {
    expect(timestampSchema.parse("9999-12-31T23:59:59.999Z")).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    expect(timestampSchema.parse("0000000000")).toBe(0);
    for (const bad of ["8640000000060000", "8640000000000001", "9999999999999999", "253402300800000"]) {
      expect(messageOf(timestampSchema.safeParse(bad))).toMatch(/^input: out of range/);
    }
    expect(messageOf(timestampSchema.safeParse("1969-12-31T23:59:59Z"))).toMatch(/^input: out of range/);
    expect(messageOf(timestampSchema.safeParse("9999-12-31T23:59:59-01:00"))).toMatch(/^input: out of range/);
  });

  test("text parameters refuse control characters and unpaired surrogates, before trimming", () => {
    const refused = "input: control characters and unpaired surrogates are not allowed";
    for (const bad of ["\u0000", "a\u0000b", "\tx", "x\n", "\u007f", "\u0085", "\ud800", "a\udfffb", "\udc00\ud800"]) {
      expect([bad, messageOf(userIdSchema.safeParse(bad))]).toEqual([bad, refused]);
    }
    expect(userIdSchema.parse("ünï 😀")).toBe("ünï 😀");
    expect(messageOf(userIdSchema.safeParse("x".repeat(10_000)))).toBe("input: at most 128 characters");
    expect(messageOf(textParam(4).safeParse("\u0000".repeat(10)))).toBe("input: at most 4 characters");
  });

  test("ip filters are compared in canonical form", () => {
    expect(ipSchema.parse("2001:DB8::1")).toBe("2001:db8::1");
    expect(ipSchema.parse(" 2001:0db8:0:0::1 ")).toBe("2001:db8::1");
    expect(ipSchema.parse("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(messageOf(ipSchema.safeParse("2001:db8::1%eth0"))).toBe("input: expected an IPv4 or IPv6 address");
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
