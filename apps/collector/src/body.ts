// Turns a request body into the raw text of each event, without trusting it: content-type
// negotiation, a bounded non-recursive scan of JSON arrays (so nesting depth cannot blow the
// stack), NDJSON line splitting, and the per-request event limit. Pure.

export type BodyFormat = "json" | "ndjson";

export interface BodyLimits {
  maxEvents: number;
  /** Deeper JSON is refused outright: a click is two levels deep inside its array. */
  maxDepth: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxEvents: 10_000, maxDepth: 32 };

export type Refusal = { ok: false; status: 400 | 413 | 415; message: string };
export type SplitResult = { ok: true; items: string[] } | Refusal;

const NDJSON_TYPES = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/jsonlines",
]);
const ACCEPTED = "application/json (an array of events) or application/x-ndjson (one event per line)";

/** Picks the body format from a Content-Type header; only UTF-8 is accepted. */
export function formatOf(contentType: string | undefined): { ok: true; format: BodyFormat } | Refusal {
  if (!contentType) return { ok: false, status: 415, message: `Content-Type is missing: send ${ACCEPTED}` };
  const [type = "", ...params] = contentType.split(";").map((p) => p.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith("charset="))
    ?.slice(8)
    .replace(/"/g, "");
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8")
    return { ok: false, status: 415, message: `charset ${charset} is not supported: send UTF-8` };
  if (type === "application/json") return { ok: true, format: "json" };
  if (NDJSON_TYPES.has(type)) return { ok: true, format: "ndjson" };
  return { ok: false, status: 415, message: `Content-Type ${type || "(empty)"} is not supported: send ${ACCEPTED}` };
}

export function splitBody(text: string, format: BodyFormat, limits: BodyLimits = DEFAULT_BODY_LIMITS): SplitResult {
  return format === "json" ? splitJsonArray(text, limits) : splitNdjson(text, limits);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function tooMany(limits: BodyLimits): Refusal {
  return { ok: false, status: 413, message: `too many events: at most ${limits.maxEvents} per request` };
}

function tooDeep(limits: BodyLimits): Refusal {
  return { ok: false, status: 400, message: `JSON nested deeper than ${limits.maxDepth} levels` };
}

/**
 * Splits a JSON array into the source text of its elements (kept verbatim for dead letters).
 * A single object is accepted as a batch of one. Elements are not parsed here: a malformed
 * element is rejected on its own later, but a body whose array structure is broken is refused.
 */
export function splitJsonArray(text: string, limits: BodyLimits = DEFAULT_BODY_LIMITS): SplitResult {
  const n = text.length;
  let i = 0;
  while (i < n && isWs(text.charCodeAt(i))) i++;
  if (i === n) return { ok: false, status: 400, message: "the body is empty: send a JSON array of click events" };
  const first = text.charCodeAt(i);
  if (first === LBRACE) {
    const end = scanDepth(text, i, n, limits.maxDepth);
    if (end === "too_deep") return tooDeep(limits);
    return { ok: true, items: [text.slice(i).trim()] };
  }
  if (first !== LBRACKET)
    return {
      ok: false,
      status: 400,
      message: "the body must be a JSON array of click events (or NDJSON with Content-Type: application/x-ndjson)",
    };
  const items: string[] = [];
  let depth = 0;
  let start = -1;
  let closed = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      if (depth === 1 && start < 0) start = i;
      i = skipString(text, i + 1, n);
      if (i >= n) break;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      depth++;
      if (depth > limits.maxDepth) return tooDeep(limits);
      if (depth === 2 && start < 0) start = i;
    } else if (c === RBRACE || c === RBRACKET) {
      if (depth === 1) {
        if (c !== RBRACKET) return malformed("unbalanced braces");
        if (start >= 0) items.push(text.slice(start, i).trimEnd());
        else if (items.length > 0) return malformed("a trailing comma before ]");
        if (items.length > limits.maxEvents) return tooMany(limits);
        closed = true;
        i++;
        break;
      }
      depth--;
    } else if (c === COMMA) {
      if (depth === 1) {
        if (start < 0) return malformed(`an empty element at event ${items.length}`);
        items.push(text.slice(start, i).trimEnd());
        if (items.length > limits.maxEvents) return tooMany(limits);
        start = -1;
      }
    } else if (depth === 1 && start < 0 && !isWs(c)) {
      start = i; // a number, true/false/null, or garbage: the element's own parse will judge it
    }
  }
  if (!closed) return malformed("the body ends before the array is closed");
  for (; i < n; i++) if (!isWs(text.charCodeAt(i))) return malformed("text after the closing ]");
  return { ok: true, items };
}

/** Splits NDJSON into non-blank lines (CRLF tolerated), refusing deep nesting like the array path. */
export function splitNdjson(text: string, limits: BodyLimits = DEFAULT_BODY_LIMITS): SplitResult {
  const items: string[] = [];
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 0x0d) end--;
    let s = pos;
    while (s < end && isWs(text.charCodeAt(s))) s++;
    pos = nl + 1;
    if (s === end) continue;
    if (scanDepth(text, s, end, limits.maxDepth) === "too_deep") return tooDeep(limits);
    items.push(text.slice(s, end));
    if (items.length > limits.maxEvents) return tooMany(limits);
  }
  if (items.length === 0)
    return { ok: false, status: 400, message: "the body has no events: send one JSON event per line" };
  return { ok: true, items };
}

function malformed(what: string): Refusal {
  return { ok: false, status: 400, message: `malformed JSON array: ${what}` };
}

/** Index just past the closing quote of a string starting at `i` (after the opening quote), or n. */
function skipString(text: string, i: number, n: number): number {
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return n;
}

/** Checks nesting depth over [from, to) without recursion. */
function scanDepth(text: string, from: number, to: number, maxDepth: number): "ok" | "too_deep" {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = skipString(text, i + 1, to);
    else if (c === LBRACE || c === LBRACKET) {
      if (++depth > maxDepth) return "too_deep";
    } else if (c === RBRACE || c === RBRACKET) depth--;
  }
  return "ok";
}
