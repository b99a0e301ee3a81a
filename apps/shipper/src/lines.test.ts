// Line cutting and encoding: partial lines wait, CRLF is tolerated, line numbers and file
// names reach the dead letters, and a click's value is its line's own bytes.
import { clickKey } from "@adclicks/core";
import { deadLetterSchema } from "@adclicks/kafka";
import { expect, test } from "vitest";
import { completeLines, encodeLines } from "./lines";

test("only complete lines, unless final", () => {
  const buf = Buffer.from('{"a":1}\r\n\n{"b":2}\n{"c"');
  expect(completeLines(buf, buf.length)).toEqual({ lines: 3, bytes: 18 });
  expect(completeLines(buf, buf.length, true)).toEqual({ lines: 4, bytes: 22 });
  expect(completeLines(buf, 5)).toEqual({ lines: 0, bytes: 0 });
  expect(completeLines(buf, 9, true)).toEqual({ lines: 1, bytes: 9 });
  expect(completeLines(Buffer.from("é\n"), 3)).toEqual({ lines: 1, bytes: 3 });
  expect(completeLines(Buffer.alloc(0), 0, true)).toEqual({ lines: 0, bytes: 0 });
});

const now = Date.UTC(2025, 0, 1);
const click = (country = "DE", userId = "u") =>
  JSON.stringify({
    event_id: "3f1c2b7e-8a9d-4e0f-b1c2-d3e4f5a6b7c8",
    ad_id: "ad-9",
    click_timestamp: now,
    user_id: userId,
    ip: "1.2.3.4",
    country,
  });

test("valid lines become keyed clicks; invalid ones dead letters naming file and line", () => {
  const block = Buffer.from([click(), "", "garbage", click("ZZ")].join("\n"));
  const out = encodeLines(block, { file: "/var/log/ads.log", firstLine: 41, nowMs: now });
  expect(out.clicks.map((m) => m.key)).toEqual(["ad-9"]);
  const dl = out.deadLetters.map((m) => deadLetterSchema.parse(JSON.parse(m.value)));
  expect(dl.map((d) => [d.source, d.reason, d.payload])).toEqual([
    ["shipper:/var/log/ads.log:43", "malformed_json", "garbage"],
    ["shipper:/var/log/ads.log:44", "unknown_country", click("ZZ")],
  ]);
});

test("a click's value is the line's bytes, without CR, also after multi-byte and invalid UTF-8", () => {
  const a = click("DE", "jörg");
  const b = click("FR", "u-2");
  const c = click("US", "😀");
  for (const sep of ["\n", "\r\n"]) {
    const block = Buffer.concat([
      Buffer.from(`${a}${sep}`),
      Buffer.from([0xff, 0xfe, 0x0a]), // not UTF-8: a malformed line, one byte per byte
      Buffer.from(`  ${sep}${b}${sep}${c}`),
    ]);
    const out = encodeLines(block, { file: "f", firstLine: 1, nowMs: now });
    expect(out.clicks.map((m) => m.value.toString("utf8"))).toEqual([a, b, c]);
    const dl = out.deadLetters.map((m) => deadLetterSchema.parse(JSON.parse(m.value)));
    expect(dl.map((d) => [d.source, d.reason])).toEqual([["shipper:f:2", "malformed_json"]]);
  }
  // ASCII only: the values are views of the block, not copies.
  const block = Buffer.from(`${b}\n${b}\n`);
  const [first, second] = encodeLines(block, { file: "f", firstLine: 1, nowMs: now }).clicks;
  expect(first?.value.buffer).toBe(block.buffer);
  expect(second?.value.byteOffset).toBe(block.byteOffset + b.length + 1);
});

test("a hot ad of its minute's list gets a split key; a duplicate line gets its original's", () => {
  const line = (id: string, ad: string, ts: number) =>
    JSON.stringify({ event_id: id, ad_id: ad, click_timestamp: ts, user_id: "u", ip: "1.2.3.4", country: "DE" });
  const ids = Array.from({ length: 40 }, (_, i) => `3f1c2b7e-8a9d-4e0f-b1c2-${String(i).padStart(12, "0")}`);
  const lines = [
    ...ids.map((id) => line(id, "ad-hot", now)),
    line(ids[0]!, "ad-hot", now), // a re-sent duplicate
    line(ids[1]!, "ad-cold", now),
    line(ids[2]!, "ad-hot", now - 60_000), // another minute: not on its list
  ];
  const hotAds = [{ minute: now, adId: "ad-hot", slots: 4 }];
  const out = encodeLines(Buffer.from(lines.join("\n")), { file: "f", firstLine: 1, nowMs: now + 1_000, hotAds });
  const keys = out.clicks.map((c) => c.key);
  expect(keys.slice(0, 40).every((k) => /^ad-hot#[0-3]$/.test(k))).toBe(true);
  expect(new Set(keys.slice(0, 40)).size).toBe(4);
  expect(keys[40]).toBe(keys[0]);
  expect(keys.slice(41)).toEqual(["ad-cold", "ad-hot"]);
  expect(keys[0]).toBe(clickKey("ad-hot", ids[0]!, 4));
  // Without lists every click is keyed by its ad_id.
  const plain = encodeLines(Buffer.from(lines.join("\n")), { file: "f", firstLine: 1, nowMs: now + 1_000 });
  expect(new Set(plain.clicks.map((c) => c.key))).toEqual(new Set(["ad-hot", "ad-cold"]));
});

test("a click stamped past MAX_FUTURE_SKEW_MS after its line was read is a future_timestamp dead letter", () => {
  const at = (ahead: number) => click().replace(`"click_timestamp":${now}`, `"click_timestamp":${now + ahead}`);
  const block = Buffer.from([at(30_000), at(30_001), at(290_000)].join("\n"));
  const out = encodeLines(block, { file: "f", firstLine: 1, nowMs: now });
  expect(out.clicks).toHaveLength(1);
  const reasons = out.deadLetters.map((m) => deadLetterSchema.parse(JSON.parse(m.value)).reason);
  expect(reasons).toEqual(["future_timestamp", "future_timestamp"]);
  // As configured: at 5 s, the click 30 s ahead is refused too.
  expect(encodeLines(block, { file: "f", firstLine: 1, nowMs: now, maxFutureSkewMs: 5_000 }).clicks).toHaveLength(0);
});
