// The typed-array id set: membership across growth, and no false positives.
import { randomUUID } from "node:crypto";
import { expect, test } from "vitest";
import { IdSet, uuidWords } from "./id-set";

test("remembers every id it was given and nothing else, across many resizes", () => {
  const set = new IdSet(4);
  const w = new Uint32Array(4);
  const ids = Array.from({ length: 50_000 }, () => randomUUID());
  for (const id of ids) {
    uuidWords(id, w);
    expect(set.add(w)).toBe(true);
  }
  expect(set.size).toBe(50_000);
  for (const id of ids) {
    uuidWords(id, w);
    expect(set.add(w)).toBe(false);
  }
  for (let i = 0; i < 50_000; i++) {
    uuidWords(randomUUID(), w);
    expect(set.has(w)).toBe(false);
  }
  expect(set.bytes).toBeLessThan(50_000 * 60);
});

test("case and dashes do not change an id", () => {
  const a = new Uint32Array(4);
  const b = new Uint32Array(4);
  uuidWords("7F3C1A52-9F0E-4C7E-B0A5-3A8A1F9C2D11", a);
  uuidWords("7f3c1a529f0e4c7eb0a53a8a1f9c2d11", b);
  expect([...a]).toEqual([...b]);
});
