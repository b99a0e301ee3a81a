// Body splitting: content types, JSON arrays (verbatim elements, broken structure, depth,
// counts), NDJSON, and a fuzz run that must never throw.
import { describe, expect, test } from "vitest";
import { formatOf, splitJsonArray, splitNdjson } from "./body";

const limits = { maxEvents: 5, maxDepth: 8 };

describe("formatOf", () => {
  test.each([
    ["application/json", "json"],
    ["Application/JSON; charset=UTF-8", "json"],
    ["application/x-ndjson", "ndjson"],
    ["application/ndjson;charset=utf-8", "ndjson"],
  ])("%s → %s", (ct, format) => {
    expect(formatOf(ct)).toEqual({ ok: true, format });
  });
  test.each([[undefined], ["text/plain"], ["application/json; charset=latin1"], [""]])("%s → 415", (ct) => {
    const r = formatOf(ct);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.status).toBe(415);
  });
});

describe("splitJsonArray", () => {
  test("keeps each element's text verbatim, strings with brackets and escapes included", () => {
    const body = ' [ {"a":"x,]}\\"y"} , 42,"s",\n{"b":[1,{"c":2}]} ] ';
    expect(splitJsonArray(body, limits)).toEqual({
      ok: true,
      items: ['{"a":"x,]}\\"y"}', "42", '"s"', '{"b":[1,{"c":2}]}'],
    });
  });
  test("an empty array is an empty batch; a single object a batch of one", () => {
    expect(splitJsonArray("[]", limits)).toEqual({ ok: true, items: [] });
    expect(splitJsonArray(' {"a":1} ', limits)).toEqual({ ok: true, items: ['{"a":1}'] });
  });
  test("a broken element is still an element (rejected later on its own)", () => {
    expect(splitJsonArray('[{"a":1},{bad}]', limits)).toEqual({ ok: true, items: ['{"a":1}', "{bad}"] });
  });
  test.each([
    ["", "empty"],
    ["42", "must be a JSON array"],
    ['[{"a":1}', "ends before"],
    ['[{"a":"1}]', "ends before"],
    ["[1,,2]", "empty element"],
    ["[1,2,]", "trailing comma"],
    ["[1}", "unbalanced"],
    ["[1] x", "after the closing"],
  ])("%j → 400 (%s)", (body, message) => {
    const r = splitJsonArray(body, limits);
    expect(r).toMatchObject({ ok: false, status: 400 });
    if (!r.ok) expect(r.message).toContain(message);
  });
  test("too many events → 413 naming the limit; too deep → 400 naming the depth", () => {
    expect(splitJsonArray("[1,2,3,4,5,6]", limits)).toMatchObject({ ok: false, status: 413 });
    const deep = `[${"[".repeat(100_000)}${"]".repeat(100_000)}]`;
    const r = splitJsonArray(deep, limits);
    expect(r).toMatchObject({ ok: false, status: 400 });
    if (!r.ok) expect(r.message).toContain("deeper than 8");
    expect(splitJsonArray(`{"a":${"[".repeat(20)}}`, limits)).toMatchObject({ ok: false, status: 400 });
  });
});

describe("splitNdjson", () => {
  test("splits lines, tolerates CRLF and blank lines", () => {
    expect(splitNdjson('{"a":1}\r\n\n  {"b":2}\n{"c":3}', limits)).toEqual({
      ok: true,
      items: ['{"a":1}', '{"b":2}', '{"c":3}'],
    });
  });
  test("refuses empty bodies, too many lines and deep nesting", () => {
    expect(splitNdjson("\n\n", limits)).toMatchObject({ ok: false, status: 400 });
    expect(splitNdjson("1\n2\n3\n4\n5\n6", limits)).toMatchObject({ ok: false, status: 413 });
    expect(splitNdjson(`{"a":1}\n${"[".repeat(50)}`, limits)).toMatchObject({ ok: false, status: 400 });
  });
});

test("fuzz: random and mutated bodies never throw and always give a status or items", () => {
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const alphabet = '[]{}",:\\ \n0123456789abcnulltrue-.eE\u00e9\ud83d';
  const base = '[{"event_id":"x","ad_id":"ad-1","n":[1,2,{"k":"v"}]},{"a":"b"}]';
  for (let round = 0; round < 3_000; round++) {
    let body: string;
    if (round % 2 === 0) {
      body = Array.from({ length: Math.floor(rand() * 80) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(
        "",
      );
    } else {
      const chars = [...base];
      for (let k = 0; k < 3; k++)
        chars[Math.floor(rand() * chars.length)] = alphabet[Math.floor(rand() * alphabet.length)]!;
      body = chars.join("");
    }
    for (const r of [splitJsonArray(body, limits), splitNdjson(body, limits)]) {
      expect(r.ok ? Array.isArray(r.items) : [400, 413].includes(r.status)).toBe(true);
    }
  }
});
