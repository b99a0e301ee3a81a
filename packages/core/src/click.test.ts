// Click validation: every rejection has a typed reason; normalization of time and country.
import { describe, expect, test } from "vitest";
import { parseClick, parseTimestamp } from "./click";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const good = {
  event_id: "7f3c1a52-9f0e-4c7e-b0a5-3a8a1f9c2d11",
  ad_id: "ad-42",
  click_timestamp: "2026-11-25T11:59:30.250Z",
  user_id: "user-9",
  ip: "203.0.113.7",
  country: "us",
};
const parse = (o: unknown) => parseClick(typeof o === "string" ? o : JSON.stringify(o), { nowMs: NOW });

describe("parseClick", () => {
  test("accepts the wire format and normalizes it", () => {
    expect(parse(good)).toEqual({
      ok: true,
      click: {
        eventId: good.event_id,
        adId: "ad-42",
        ts: Date.UTC(2026, 10, 25, 11, 59, 30, 250),
        userId: "user-9",
        ip: "203.0.113.7",
        country: "US",
      },
    });
  });

  test("timestamps: ISO-8601 with any offset, or epoch ms", () => {
    expect(parseTimestamp("2026-11-25T13:59:30+02:00")).toBe(Date.UTC(2026, 10, 25, 11, 59, 30));
    expect(parseTimestamp(1_700_000_000_123)).toBe(1_700_000_000_123);
    expect(parseTimestamp("1700000000123")).toBe(1_700_000_000_123);
    expect(parseTimestamp("2026-11-25T13:59:30")).toBeUndefined();
    expect(parseTimestamp("yesterday")).toBeUndefined();
    expect(parseTimestamp(1.5)).toBeUndefined();
  });

  test.each([
    ["{oops", "malformed_json"],
    ["[1,2]", "not_an_object"],
    ["null", "not_an_object"],
    [{ ...good, ad_id: undefined }, "missing_field:ad_id"],
    [{ ...good, user_id: "" }, "missing_field:user_id"],
    [{ ...good, ip: 7 }, "bad_type:ip"],
    [{ ...good, event_id: "not-a-uuid" }, "bad_event_id"],
    [{ ...good, ad_id: "ad 42" }, "bad_ad_id"],
    [{ ...good, click_timestamp: "2026-13-45" }, "bad_timestamp"],
    [{ ...good, click_timestamp: NOW + 6 * 60_000 }, "future_timestamp"],
    [{ ...good, click_timestamp: NOW + 30_001 }, "future_timestamp"],
    [{ ...good, click_timestamp: NOW - 8 * 86_400_000 }, "ancient_timestamp"],
    [{ ...good, ip: "300.1.1.1" }, "bad_ip"],
    [{ ...good, country: "XX" }, "unknown_country"],
    [{ ...good, user_id: "u\u0000x" }, "bad_user_id"],
    [{ ...good, user_id: "u".repeat(129) }, "bad_user_id"],
    [JSON.stringify({ ...good, pad: "x".repeat(5000) }), "oversized"],
  ])("rejects %j as %s", (input, reason) => {
    expect(parse(input)).toMatchObject({ ok: false, reason });
  });
});

test("the ip is stored in its canonical form (RFC 5952; IPv4-mapped as IPv4)", () => {
  for (const [ip, canonical] of [
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0:0::1", "2001:db8::1"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
  ]) {
    expect(parse({ ...good, ip })).toMatchObject({ ok: true, click: { ip: canonical } });
  }
});

test("a click may be stamped up to the allowed skew (30 s by default) ahead of when it was received", () => {
  expect(parse({ ...good, click_timestamp: NOW + 30_000 })).toMatchObject({ ok: true, click: { ts: NOW + 30_000 } });
  expect(parse({ ...good, click_timestamp: new Date(NOW + 290_000).toISOString() })).toEqual({
    ok: false,
    reason: "future_timestamp",
  });
  const strict = { nowMs: NOW, maxFutureSkewMs: 0 };
  expect(parseClick(JSON.stringify({ ...good, click_timestamp: NOW }), strict).ok).toBe(true);
  expect(parseClick(JSON.stringify({ ...good, click_timestamp: NOW + 1 }), strict)).toMatchObject({
    reason: "future_timestamp",
  });
});
