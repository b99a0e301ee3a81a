// ingestEvents: valid events become canonical keyed messages, invalid ones dead letters with
// the reason, index and original text.
import { deadLetterSchema } from "@adclicks/kafka";
import { describe, expect, test } from "vitest";
import { FIRST_ERRORS, ingestEvents, judgeBatch, REFUSE_MIN_INVALID } from "./ingest";

const NOW = Date.UTC(2025, 0, 1, 12);
const valid = {
  event_id: "0B5E3E2A-1C7D-4F4B-9A6E-2C9B1D7E8F00",
  ad_id: "ad-7",
  click_timestamp: new Date(NOW - 1000).toISOString(),
  user_id: "u-1",
  ip: "10.1.2.3",
  country: "us",
};

test("valid events are keyed by ad_id in canonical form; invalid ones become dead letters", () => {
  const items = [JSON.stringify(valid), "{not json", JSON.stringify({ ...valid, country: "XX" })];
  const out = ingestEvents(items, { nowMs: NOW, source: "collector" });
  expect(out.clicks).toEqual([
    {
      key: "ad-7",
      value: JSON.stringify({
        event_id: "0b5e3e2a-1c7d-4f4b-9a6e-2c9b1d7e8f00",
        ad_id: "ad-7",
        click_timestamp: NOW - 1000,
        user_id: "u-1",
        ip: "10.1.2.3",
        country: "US",
      }),
    },
  ]);
  expect(out.errors).toEqual([
    { index: 1, reason: "malformed_json" },
    { index: 2, reason: "unknown_country" },
  ]);
  const dl = out.deadLetters.map((m) => deadLetterSchema.parse(JSON.parse(m.value)));
  expect(dl.map((d) => [d.reason, d.payload, d.source])).toEqual([
    ["malformed_json", "{not json", "collector"],
    ["unknown_country", items[2], "collector"],
  ]);
  expect(out.deadLetters[0]?.key).toBe("malformed_json");
});

test("an oversized event is rejected and its payload truncated in the dead letter", () => {
  const big = JSON.stringify({ ...valid, user_id: "x".repeat(20_000) });
  const out = ingestEvents([big], { nowMs: NOW, source: "collector" });
  expect(out.errors).toEqual([{ index: 0, reason: "oversized" }]);
  expect(JSON.parse(out.deadLetters[0]!.value).payload.length).toBe(8192);
});

describe("judgeBatch", () => {
  const line = (i: number) =>
    JSON.stringify({ ...valid, event_id: `0b5e3e2a-1c7d-4f4b-9a6e-${String(i).padStart(12, "0")}` });
  const judge = (good: number, bad: number) =>
    judgeBatch(
      ingestEvents([...Array.from({ length: good }, (_, i) => line(i)), ...Array(bad).fill("1")], {
        nowMs: NOW,
        source: "collector",
      }),
    );

  test("a body of garbage is refused with the first errors, each naming its index and reason", () => {
    const v = judge(0, 10_000);
    expect(v.refuse).toBe(true);
    if (!v.refuse) return;
    expect(v.message).toContain("10000 of 10000 events are invalid");
    expect(v.firstErrors).toHaveLength(FIRST_ERRORS);
    expect(v.firstErrors[0]).toMatchObject({ index: 0, reason: expect.any(String) });
    expect(v.firstErrors.map((e) => e.index)).toEqual([...Array(FIRST_ERRORS).keys()]);
  });

  test("more than half invalid and at least the minimum: refused; otherwise accepted", () => {
    expect(judge(9, REFUSE_MIN_INVALID).refuse).toBe(true);
    expect(judge(10, 10).refuse).toBe(false); // exactly half
    expect(judge(0, REFUSE_MIN_INVALID - 1).refuse).toBe(false); // a few bad events: dead letters
    expect(judge(995, 5).refuse).toBe(false);
    expect(judge(0, 0).refuse).toBe(false);
  });
});
