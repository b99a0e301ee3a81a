// Raw rows: validated against the message timestamp (a NUL in user_id is invalid), expired ones skipped.
import { expect, test } from "vitest";
import { toRawBatch } from "./raw-rows";

const T = Date.UTC(2025, 0, 15, 9, 30);
const msg = (o: Record<string, unknown>, timestamp = T) => ({
  value: Buffer.from(JSON.stringify(o)),
  timestamp: String(timestamp),
});
const click = {
  event_id: "3f1c2b7e-8a9d-4e0f-b1c2-d3e4f5a6b7c8",
  ad_id: "ad-1",
  click_timestamp: T - 1000,
  user_id: "u-1",
  ip: "1.2.3.4",
  country: "fr",
};

test("valid clicks become columns; invalid, expired and empty messages are counted", () => {
  const b = toRawBatch(
    [
      msg(click),
      msg({ ...click, country: "ZZ" }),
      // Postgres text cannot hold NUL: parseClick rejects control characters in user_id.
      msg({ ...click, user_id: "u\u0000x" }),
      msg({ ...click, click_timestamp: T - 10 * 3_600_000 }),
      { value: null, timestamp: String(T) },
    ],
    { cutoffMs: T - 3_600_000, fallbackNowMs: T },
  );
  expect(b.columns).toEqual({
    ts: [new Date(T - 1000).toISOString()],
    eventId: [click.event_id],
    adId: ["ad-1"],
    userId: ["u-1"],
    ip: ["1.2.3.4"],
    country: ["FR"],
  });
  expect([b.invalid, b.expired, b.maxEventMs]).toEqual([3, 1, T - 1000]);
  expect([...b.hours]).toEqual([Date.UTC(2025, 0, 15, 9)]);
});

test("the verdict depends on the message timestamp, not the wall clock (replays agree)", () => {
  const future = { ...click, click_timestamp: T + 20_000 }; // within MAX_FUTURE_SKEW_MS of its record
  const a = toRawBatch([msg(future, T)], { cutoffMs: 0, fallbackNowMs: T + 10 * 86_400_000 });
  expect(a.columns.ts).toHaveLength(1);
  const b = toRawBatch([msg(future, T - 3_600_000)], { cutoffMs: 0, fallbackNowMs: T });
  expect(b.invalid).toBe(1);
});

test("ip is stored in one canonical form: every spelling of an address is one string", () => {
  const spellings = ["2001:DB8::1", "2001:db8::1", "2001:0db8:0:0::1", "2001:db8:0:0:0:0:0:1"];
  const b = toRawBatch(
    [...spellings, "::ffff:1.2.3.4"].map((ip) => msg({ ...click, ip })),
    { cutoffMs: 0, fallbackNowMs: T },
  );
  expect(b.columns.ip).toEqual(["2001:db8::1", "2001:db8::1", "2001:db8::1", "2001:db8::1", "1.2.3.4"]);
});
