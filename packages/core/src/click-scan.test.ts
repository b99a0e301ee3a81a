// scanClick against parseClick: whenever the fast path accepts bytes, parseClick accepts their
// text with the same id, ad, time and country; it accepts every click our producers write; and
// byte-level mutations of clicks (the fuzz) never make the two disagree.
import { describe, expect, test } from "vitest";
import { DEFAULT_MAX_FUTURE_SKEW_MS, parseClick } from "./click";
import { newScannedClick, scanClick } from "./click-scan";
import { uuidWords } from "./id-set";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const opts = { nowMs: NOW };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Scans and parses the same bytes; fails the test if the scan accepts what parseClick does not match. */
function agree(bytes: Uint8Array): boolean {
  const out = newScannedClick();
  const fast = scanClick(bytes, opts, out);
  if (!fast) return false;
  const slow = parseClick(decoder.decode(bytes), opts);
  expect(slow.ok, decoder.decode(bytes)).toBe(true);
  if (!slow.ok) return true;
  const words = new Uint32Array(4);
  uuidWords(slow.click.eventId, words);
  expect({ words: [...out.idWords], adId: out.adId, ts: out.ts, country: out.country }).toEqual({
    words: [...words],
    adId: slow.click.adId,
    ts: slow.click.ts,
    country: slow.click.country,
  });
  return true;
}

const hex = (r: () => number, n: number) =>
  Array.from({ length: n }, () => "0123456789abcdefABCDEF"[Math.floor(r() * 22)]).join("");
const uuid = (r: () => number) => `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function click(r: () => number): Record<string, unknown> {
  return {
    event_id: uuid(r).toLowerCase(),
    ad_id: `ad-${Math.floor(r() * 2e6)}`,
    click_timestamp: NOW - Math.floor(r() * 3_600_000),
    user_id: `user-${Math.floor(r() * 1e6)}`,
    ip: `${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`,
    country: pick(r, ["US", "IN", "DE", "BR", "JP", "GB", "FR", "NG"]),
  };
}

describe("scanClick", () => {
  test("accepts every click as our producers write it (JSON.stringify of the wire form)", () => {
    const r = rng(1);
    for (let i = 0; i < 5_000; i++) expect(agree(encoder.encode(JSON.stringify(click(r))))).toBe(true);
  });

  test("other shapes: accepted only where parseClick agrees, and the common ones accepted", () => {
    const r = rng(2);
    const variants: Array<(c: Record<string, unknown>) => unknown> = [
      (c) => c,
      (c) => ({ ...c, event_id: String(c.event_id).toUpperCase() }),
      (c) => ({ ...c, country: String(c.country).toLowerCase() }),
      (c) => ({ ...c, click_timestamp: new Date(Number(c.click_timestamp)).toISOString() }),
      (c) => ({ ...c, click_timestamp: String(c.click_timestamp) }),
      (c) => ({ ...c, click_timestamp: "2026-11-25T11:59:30+01:00" }),
      (c) => ({ ...c, ip: "2001:db8::7" }),
      (c) => ({ ...c, ip: "2001:db8::zz" }),
      (c) => ({ ...c, ip: "01.2.3.4" }),
      (c) => ({ ...c, ip: "256.2.3.4" }),
      (c) => ({ ...c, ip: "1.2.3" }),
      (c) => ({ ...c, extra: { nested: [1, 2] }, flag: true, none: null, f: 1.5 }),
      (c) => ({ extra: "first", ...c }),
      (c) => Object.fromEntries(Object.entries(c).reverse()),
      (c) => ({ ...c, ad_id: "ad with space" }),
      (c) => ({ ...c, ad_id: "a".repeat(129) }),
      (c) => ({ ...c, user_id: "x".repeat(129) }),
      (c) => ({ ...c, user_id: "del\u007f" }),
      (c) => ({ ...c, user_id: "ünï" }),
      (c) => ({ ...c, country: "XX" }),
      (c) => ({ ...c, country: "USA" }),
      (c) => ({ ...c, click_timestamp: NOW + 3_600_000 }),
      (c) => ({ ...c, click_timestamp: 1 }),
      (c) => ({ ...c, click_timestamp: 0 }),
      (c) => ({ ...c, click_timestamp: -5 }),
      (c) => ({ ...c, click_timestamp: 1.7e12 }),
      (c) => ({ ...c, ad_id: 42 }),
      (c) => ({ ...c, user_id: "" }),
      (c) => ({ ...c, event_id: "not-a-uuid" }),
      (c) => ({ ...c, pad: "p".repeat(5_000) }),
      (c) => [c],
      (c) => ({ ...c, ad_id: undefined }),
      // Unusual spellings of IPv6 (canonicalised by parseClick): the scan may accept or defer.
      (c) => ({ ...c, ip: "2001:DB8:0:0::7" }),
      (c) => ({ ...c, ip: "::ffff:1.2.3.4" }),
      (c) => ({ ...c, ip: "fe80::1%eth0" }),
    ];
    const accepted = new Array<number>(variants.length).fill(0);
    for (let i = 0; i < 400; i++) {
      const c = click(r);
      variants.forEach((v, k) => {
        if (agree(encoder.encode(JSON.stringify(v(c))))) accepted[k]! += 1;
      });
    }
    // The plain form, upper-case ids, lower-case countries, digit-string and ISO timestamps,
    // IPv6, unknown string fields and any key order take the fast path too.
    for (const k of [0, 1, 2, 3, 4, 5, 6, 12, 13]) expect([k, accepted[k]]).toEqual([k, 400]);
  });

  test("ISO timestamps read as Date.parse reads them, month ends and leap days included", () => {
    const r = rng(6);
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    let accepted = 0;
    for (let i = 0; i < 5_000; i++) {
      const c = click(r);
      const y = pick(r, [2024, 2025, 2026, 1999, 99]);
      const iso = `${pad(y, 4)}-${pad(1 + Math.floor(r() * 13), 2)}-${pad(Math.floor(r() * 33), 2)}T${pad(
        Math.floor(r() * 25),
        2,
      )}:${pad(Math.floor(r() * 61), 2)}:${pad(Math.floor(r() * 61), 2)}${pick(r, ["", ".000", ".5", ".123", ".9999"])}Z`;
      // A wide age limit: the point is the calendar, not the clock.
      const bytes = encoder.encode(JSON.stringify({ ...c, click_timestamp: iso }));
      const out = newScannedClick();
      const wide = { nowMs: NOW, maxAgeMs: 1e14, maxFutureSkewMs: 1e14 };
      if (scanClick(bytes, wide, out)) {
        expect([iso, out.ts]).toEqual([iso, Date.parse(iso)]);
        accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(1_000);
  });

  test("the future-skew rule: both accept a click stamped up to the skew ahead of its receipt, neither past it", () => {
    const r = rng(7);
    for (const skew of [undefined, 0, 5_000]) {
      const limit = skew ?? DEFAULT_MAX_FUTURE_SKEW_MS;
      const o = { nowMs: NOW, maxFutureSkewMs: skew };
      for (const [ahead, ok] of [
        [-1, true],
        [limit, true],
        [limit + 1, false],
        [limit + 60_000, false],
      ] as const) {
        for (const ts of [NOW + ahead, new Date(NOW + ahead).toISOString()]) {
          const text = JSON.stringify({ ...click(r), click_timestamp: ts });
          expect([skew, ahead, scanClick(encoder.encode(text), o, newScannedClick())]).toEqual([skew, ahead, ok]);
          expect(parseClick(text, o)).toMatchObject(ok ? { ok: true } : { ok: false, reason: "future_timestamp" });
        }
      }
    }
    expect(DEFAULT_MAX_FUTURE_SKEW_MS).toBe(30_000);
  });

  test("whitespace, escapes and duplicate keys", () => {
    const r = rng(3);
    const c = click(r);
    const json = JSON.stringify(c);
    expect(agree(encoder.encode(` \n\t${json.replaceAll(",", " ,\r\n ").replaceAll(":", " : ")} \n`))).toBe(true);
    // An escape (even a harmless one) and a repeated key are left to parseClick.
    expect(agree(encoder.encode(json.replace('"ad-', '"\\u0061d-')))).toBe(false);
    expect(agree(encoder.encode(json.replace("{", `{"ad_id":"ad-1",`)))).toBe(false);
    expect(agree(encoder.encode(json.slice(0, -1)))).toBe(false);
    expect(agree(encoder.encode(`${json}x`))).toBe(false);
    expect(agree(encoder.encode(`\uFEFF${json}`))).toBe(false);
  });

  test("fuzz: byte mutations of clicks never make scan and parse disagree", () => {
    const r = rng(4);
    const alphabet = encoder.encode('{}[]",:0123456789-.eE aAzZ\\\u0000\u007f\t\n');
    let accepted = 0;
    for (let i = 0; i < 40_000; i++) {
      // Half of them stamped within a minute of the clock, across the future-skew limit.
      const c = i % 2 === 0 ? click(r) : { ...click(r), click_timestamp: NOW + Math.floor((r() - 0.5) * 120_000) };
      const bytes = Array.from(encoder.encode(JSON.stringify(c)));
      for (let m = 0; m < 1 + Math.floor(r() * 3); m++) {
        const at = Math.floor(r() * bytes.length);
        const op = r();
        const b = r() < 0.8 ? alphabet[Math.floor(r() * alphabet.length)]! : Math.floor(r() * 256);
        if (op < 0.4) bytes[at] = b;
        else if (op < 0.7) bytes.splice(at, 0, b);
        else bytes.splice(at, 1);
      }
      if (agree(Uint8Array.from(bytes))) accepted++;
    }
    // Many mutations hit a field's content and leave a valid click: those must be exact too.
    expect(accepted).toBeGreaterThan(2_000);
  });
});
