// The aggregator's fast path for reading a click: straight from the record's bytes, without
// decoding them to a string, JSON.parse or a Click object. It reads only the common shape — a
// flat JSON object of ASCII strings without escapes and plain integers — and answers "unsure"
// for anything else, which the caller then hands to parseClick. Its contract, fuzzed against
// parseClick in click-scan.test.ts: when it accepts, parseClick accepts the same text with the
// same event id, ad, event time and country.
import {
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  MAX_EVENT_BYTES,
  parseTimestamp,
  type ValidateOptions,
} from "./click";
import { COUNTRY_CODES } from "./countries";
import { isIpAddress } from "./ip";

/** What the aggregator needs of a click; reused from click to click. */
export interface ScannedClick {
  /** The event id as uuidWords gives it. */
  readonly idWords: Uint32Array;
  adId: string;
  ts: number;
  country: string;
}

export function newScannedClick(): ScannedClick {
  return { idWords: new Uint32Array(4), adId: "", ts: 0, country: "" };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const FIELD_EVENT_ID = 1;
const FIELD_AD_ID = 2;
const FIELD_TIMESTAMP = 4;
const FIELD_USER_ID = 8;
const FIELD_IP = 16;
const FIELD_COUNTRY = 32;
const ALL_FIELDS = 63;
const FIELD_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FIELD_EVENT_ID, "event_id"],
  [FIELD_AD_ID, "ad_id"],
  [FIELD_TIMESTAMP, "click_timestamp"],
  [FIELD_USER_ID, "user_id"],
  [FIELD_IP, "ip"],
  [FIELD_COUNTRY, "country"],
].map(([f, name]) => [f as number, name as string] as const);

/** Upper-cased country code by its two letters' index, or undefined: no string per click. */
const COUNTRIES: (string | undefined)[] = new Array(26 * 26);
for (const code of COUNTRY_CODES) COUNTRIES[(code.charCodeAt(0) - 65) * 26 + (code.charCodeAt(1) - 65)] = code;

/** ad_id characters: [A-Za-z0-9_.:-]. */
const ID_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ID_CHAR[c] = /[A-Za-z0-9_.:-]/.test(ch) ? 1 : 0;
}

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX["0123456789abcdef".charCodeAt(c)] = c;
  HEX["0123456789ABCDEF".charCodeAt(c)] = c;
}

function isWhitespace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Field names (as bytes) by their length. */
const FIELDS_BY_LENGTH: [number, Uint8Array][][] = [];
for (const [field, name] of FIELD_NAMES) {
  const same = FIELDS_BY_LENGTH[name.length] ?? [];
  same.push([field, new TextEncoder().encode(name)]);
  FIELDS_BY_LENGTH[name.length] = same;
}

function fieldOf(b: Uint8Array, start: number, end: number): number {
  for (const [field, name] of FIELDS_BY_LENGTH[end - start] ?? []) {
    let i = 0;
    while (i < name.length && b[start + i] === name[i]) i++;
    if (i === name.length) return field;
  }
  return 0;
}

function digits(b: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The common ISO-8601 form, YYYY-MM-DDTHH:MM:SS[.mmm]Z, as Date.parse reads it (which rolls days
 * past a month's end over, as Date.UTC does); -1 for anything else, left to parseTimestamp.
 */
function isoUtcMs(b: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if ((length !== 20 && length !== 24) || b[end - 1] !== 0x5a) return -1;
  if (b[start + 4] !== 0x2d || b[start + 7] !== 0x2d || b[start + 10] !== 0x54) return -1;
  if (b[start + 13] !== 0x3a || b[start + 16] !== 0x3a) return -1;
  const year = digits(b, start, 4);
  const month = digits(b, start + 5, 2);
  const day = digits(b, start + 8, 2);
  const hour = digits(b, start + 11, 2);
  const minute = digits(b, start + 14, 2);
  const second = digits(b, start + 17, 2);
  let ms = 0;
  if (length === 24) {
    if (b[start + 19] !== 0x2e) return -1;
    ms = digits(b, start + 20, 3);
  }
  // Two-digit years mean 19xx to Date.UTC; hour 24 and the like are parseTimestamp's.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return -1;
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return -1;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

function asciiString(b: Uint8Array, start: number, end: number): string {
  return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
}

/** ASCII bytes → string, remembering recent ones: a hot ad's id is one string, hashed once. */
class AsciiStrings {
  private readonly slots: (string | undefined)[] = new Array(1 << 14);

  get(b: Uint8Array, start: number, end: number): string {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slot = (h >>> 0) & (this.slots.length - 1);
    const cached = this.slots[slot];
    if (cached !== undefined && cached.length === end - start) {
      let i = 0;
      while (i < cached.length && cached.charCodeAt(i) === b[start + i]) i++;
      if (i === cached.length) return cached;
    }
    const s = asciiString(b, start, end);
    this.slots[slot] = s;
    return s;
  }
}
const adIds = new AsciiStrings();

/** 8-4-4-4-12 hex digits into uuidWords' four words; false if not a UUID. */
function scanUuid(b: Uint8Array, start: number, end: number, out: Uint32Array): boolean {
  if (end - start !== 36) return false;
  let word = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < 36; i++) {
    const c = b[start + i]!;
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
      continue;
    }
    const d = HEX[c]!;
    if (d < 0) return false;
    value = value * 16 + d;
    if (++digits === 8) {
      out[word++] = value;
      value = 0;
      digits = 0;
    }
  }
  return true;
}

/** A dotted-quad IPv4 address exactly as ip.ts' IPV4_RE: octets 0-255 without leading zeros. */
function isIpv4(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (b[i] !== 0x2e) return false;
      i++;
    }
    const from = i;
    let value = 0;
    while (i < end && i - from < 3 && b[i]! >= 0x30 && b[i]! <= 0x39) value = value * 10 + (b[i++]! - 0x30);
    const length = i - from;
    if (length === 0 || (length > 1 && b[from] === 0x30) || value > 255) return false;
  }
  return i === end;
}

/**
 * Reads a click from its bytes. True: `out` holds the click parseClick would accept from the
 * same text. False: unsure (any other shape, or a click parseClick may reject): ask parseClick.
 */
export function scanClick(b: Uint8Array, opts: ValidateOptions, out: ScannedClick): boolean {
  const n = b.length;
  if (n > MAX_EVENT_BYTES) return false;
  let i = 0;
  while (isWhitespace(b[i])) i++;
  if (b[i++] !== 0x7b) return false;
  let seen = 0;
  let adStart = 0;
  let adEnd = 0;
  let tsStart = -1;
  let tsEnd = -1;
  let ts = -1;
  let ipStart = 0;
  let ipEnd = 0;
  let country: string | undefined;
  for (;;) {
    while (isWhitespace(b[i])) i++;
    if (b[i++] !== QUOTE) return false;
    const keyStart = i;
    while (i < n && b[i] !== QUOTE) {
      const c = b[i]!;
      if (c === BACKSLASH || c < 0x20 || c >= 0x80) return false;
      i++;
    }
    if (i >= n) return false;
    const field = fieldOf(b, keyStart, i++);
    if ((seen & field) !== 0) return false; // repeated: JSON.parse keeps the last one
    seen |= field;
    while (isWhitespace(b[i])) i++;
    if (b[i++] !== 0x3a) return false;
    while (isWhitespace(b[i])) i++;
    const first = b[i];
    if (first === QUOTE) {
      const start = ++i;
      while (i < n && b[i] !== QUOTE) {
        const c = b[i]!;
        // Escapes and non-ASCII are parseClick's; raw control characters are malformed JSON.
        if (c === BACKSLASH || c < 0x20 || c >= 0x80) return false;
        i++;
      }
      if (i >= n) return false;
      const end = i++;
      if (field !== 0 && start === end) return false; // empty: a missing field
      switch (field) {
        case FIELD_EVENT_ID:
          if (!scanUuid(b, start, end, out.idWords)) return false;
          break;
        case FIELD_AD_ID:
          if (end - start > 128) return false;
          for (let j = start; j < end; j++) if (ID_CHAR[b[j]!] !== 1) return false;
          adStart = start;
          adEnd = end;
          break;
        case FIELD_TIMESTAMP:
          tsStart = start;
          tsEnd = end;
          break;
        case FIELD_USER_ID:
          if (end - start > 128) return false;
          for (let j = start; j < end; j++) if (b[j] === 0x7f) return false;
          break;
        case FIELD_IP:
          ipStart = start;
          ipEnd = end;
          break;
        case FIELD_COUNTRY: {
          if (end - start !== 2) return false;
          const c0 = b[start]! & ~0x20;
          const c1 = b[start + 1]! & ~0x20;
          if (c0 < 65 || c0 > 90 || c1 < 65 || c1 > 90) return false;
          country = COUNTRIES[(c0 - 65) * 26 + (c1 - 65)];
          if (country === undefined) return false;
          break;
        }
      }
    } else if (first !== undefined && first >= 0x31 && first <= 0x39) {
      // A plain positive integer; fractions, exponents and 16+ digits are parseClick's.
      const start = i;
      let value = 0;
      while (i < n && b[i]! >= 0x30 && b[i]! <= 0x39) value = value * 10 + (b[i++]! - 0x30);
      if (i - start > 15) return false;
      const next = b[i];
      if (next === 0x2e || next === 0x65 || next === 0x45) return false;
      if (field === FIELD_TIMESTAMP) ts = value;
      else if (field !== 0) return false; // a number where a string belongs
    } else {
      return false;
    }
    while (isWhitespace(b[i])) i++;
    const sep = b[i++];
    if (sep === 0x7d) break;
    if (sep !== 0x2c) return false;
  }
  while (isWhitespace(b[i])) i++;
  if (i !== n || seen !== ALL_FIELDS || country === undefined) return false;
  if (tsStart >= 0) {
    ts = isoUtcMs(b, tsStart, tsEnd);
    if (ts < 0) {
      const parsed = parseTimestamp(asciiString(b, tsStart, tsEnd));
      if (parsed === undefined) return false;
      ts = parsed;
    }
  }
  if (ts > opts.nowMs + (opts.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS)) return false;
  if (ts < opts.nowMs - (opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) return false;
  if (!isIpv4(b, ipStart, ipEnd) && !isIpAddress(asciiString(b, ipStart, ipEnd))) return false;
  out.adId = adIds.get(b, adStart, adEnd);
  out.ts = ts;
  out.country = country;
  return true;
}
