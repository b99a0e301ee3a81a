// ingestEvents: valid events become canonical keyed messages, invalid ones dead letters with
// the reason, index and original text.
import { deadLetterSchema } from "@adclicks/kafka";
import { expect, test } from "vitest";
import { ingestEvents } from "./ingest";

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
