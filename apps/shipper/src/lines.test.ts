// Line cutting and encoding: partial lines wait, CRLF is tolerated, line numbers and file
// names reach the dead letters.
import { deadLetterSchema } from "@adclicks/kafka";
import { expect, test } from "vitest";
import { completeLines, encodeLines } from "./lines";

test("only complete lines, unless final", () => {
  const buf = Buffer.from('{"a":1}\r\n\n{"b":2}\n{"c"');
  expect(completeLines(buf, buf.length)).toEqual({ lines: ['{"a":1}', "", '{"b":2}'], bytes: 18 });
  expect(completeLines(buf, buf.length, true)).toEqual({ lines: ['{"a":1}', "", '{"b":2}', '{"c"'], bytes: 22 });
  expect(completeLines(buf, 5)).toEqual({ lines: [], bytes: 0 });
  expect(completeLines(Buffer.from("é\n"), 3)).toEqual({ lines: ["é"], bytes: 3 });
});

test("valid lines become keyed clicks; invalid ones dead letters naming file and line", () => {
  const now = Date.UTC(2025, 0, 1);
  const click = JSON.stringify({
    event_id: "3f1c2b7e-8a9d-4e0f-b1c2-d3e4f5a6b7c8",
    ad_id: "ad-9",
    click_timestamp: now,
    user_id: "u",
    ip: "1.2.3.4",
    country: "DE",
  });
  const out = encodeLines([click, "", "garbage", click.replace("DE", "ZZ")], {
    file: "/var/log/ads.log",
    firstLine: 41,
    nowMs: now,
  });
  expect(out.clicks.map((m) => m.key)).toEqual(["ad-9"]);
  const dl = out.deadLetters.map((m) => deadLetterSchema.parse(JSON.parse(m.value)));
  expect(dl.map((d) => [d.source, d.reason])).toEqual([
    ["shipper:/var/log/ads.log:43", "malformed_json"],
    ["shipper:/var/log/ads.log:44", "unknown_country"],
  ]);
});
