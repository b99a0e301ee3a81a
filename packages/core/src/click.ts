// The click event: wire schema, validation with typed rejection reasons, normalization.
// Pure: callers pass the time the click was received (`nowMs`), which "too far in the future"
// is judged against.
import { z } from "zod";
import { isCountryCode } from "./countries";
import { canonicalIp } from "./ip";

/** A validated, normalized click. `ts` is the event time in epoch ms (UTC). */
export interface Click {
  eventId: string;
  adId: string;
  ts: number;
  userId: string;
  ip: string;
  country: string;
}

/** Why an input was rejected; the dead-letter record carries this string. */
export type RejectReason =
  | "malformed_json"
  | "not_an_object"
  | `missing_field:${ClickField}`
  | `bad_type:${ClickField}`
  | "bad_event_id"
  | "bad_ad_id"
  | "bad_timestamp"
  | "future_timestamp"
  | "ancient_timestamp"
  | "bad_ip"
  | "bad_user_id"
  | "unknown_country"
  | "oversized";

export type ClickField = "event_id" | "ad_id" | "click_timestamp" | "user_id" | "ip" | "country";
export const CLICK_FIELDS: readonly ClickField[] = ["event_id", "ad_id", "click_timestamp", "user_id", "ip", "country"];

export type ParseResult = { ok: true; click: Click } | { ok: false; reason: RejectReason; detail?: string };

export interface ValidateOptions {
  /**
   * When the click was received, epoch ms: the receive time at the collector and the shipper,
   * the record's Kafka timestamp in the aggregator (so every re-read decides as the first).
   */
  nowMs: number;
  /** Clicks stamped more than this ahead of `nowMs` are rejected (the clock skew allowed). */
  maxFutureSkewMs?: number;
  /** Events older than this are rejected: nothing can aggregate them any more. */
  maxAgeMs?: number;
}

/**
 * MAX_FUTURE_SKEW_MS's default: how far ahead of its receipt a click may be stamped. NTP-synced
 * ad servers are within milliseconds and unsynced phones and VMs drift by seconds, so 30 s
 * accepts every honest clock with room to spare; it is of the order of the allowed lateness
 * (15 s, how far behind a click may be), and it keeps a click out of any minute more than one
 * ahead of the clock (the old 5 minutes let a client fill minutes that would open later).
 */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 30_000;
export const DEFAULT_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** Raw events are ~0.1 KB; anything past this is not a click. */
export const MAX_EVENT_BYTES = 4096;

const ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// ISO-8601 date-time with an explicit offset (Z or ±hh:mm); without one the instant is ambiguous.
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** The wire format as a zod schema (for API documents and the generator); `validateClick` is the fast path. */
export const clickWireSchema = z.object({
  event_id: z.string().regex(UUID_RE).describe("UUID, unique per click: the dedup key"),
  ad_id: z.string().regex(ID_RE).describe("the ad clicked; the Kafka message key"),
  click_timestamp: z
    .union([z.string(), z.number().int()])
    .describe("event time: ISO-8601 with offset, or epoch milliseconds"),
  user_id: z.string().min(1).max(128),
  ip: z.string().describe("IPv4 or IPv6"),
  country: z.string().length(2).describe("ISO-3166-1 alpha-2"),
});
export type ClickWire = z.infer<typeof clickWireSchema>;

/** Parses an event timestamp (ISO-8601 with offset, or epoch ms as number or digit string). */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (/^\d{10,16}$/.test(value)) return Number(value);
  if (!ISO_RE.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Validates an already-parsed JSON value. Pure and allocation-light: it runs once per event. */
export function validateClick(value: unknown, opts: ValidateOptions): ParseResult {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, reason: "not_an_object" };
  const o = value as Record<string, unknown>;
  for (const f of CLICK_FIELDS) {
    const v = o[f];
    if (v === undefined || v === null || v === "") return { ok: false, reason: `missing_field:${f}` };
    if (f === "click_timestamp" ? typeof v !== "string" && typeof v !== "number" : typeof v !== "string")
      return { ok: false, reason: `bad_type:${f}` };
  }
  const eventId = o.event_id as string;
  if (!UUID_RE.test(eventId)) return { ok: false, reason: "bad_event_id", detail: "event_id must be a UUID" };
  const adId = o.ad_id as string;
  if (!ID_RE.test(adId)) return { ok: false, reason: "bad_ad_id", detail: "ad_id: 1-128 of [A-Za-z0-9_.:-]" };
  const ts = parseTimestamp(o.click_timestamp);
  if (ts === undefined)
    return { ok: false, reason: "bad_timestamp", detail: "click_timestamp: ISO-8601 with offset, or epoch ms" };
  if (ts > opts.nowMs + (opts.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS))
    return { ok: false, reason: "future_timestamp" };
  if (ts < opts.nowMs - (opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) return { ok: false, reason: "ancient_timestamp" };
  // One address, one text: raw rows and the ip filter compare canonical forms.
  const ip = canonicalIp(o.ip as string);
  if (ip === undefined) return { ok: false, reason: "bad_ip" };
  const userId = o.user_id as string;
  if (userId.length > 128) return { ok: false, reason: "bad_user_id", detail: "user_id longer than 128" };
  // Control characters (NUL above all: Postgres text cannot hold it) are never part of an id.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  if (/[\u0000-\u001f\u007f]/.test(userId))
    return { ok: false, reason: "bad_user_id", detail: "control characters in user_id" };
  const country = (o.country as string).toUpperCase();
  if (!isCountryCode(country)) return { ok: false, reason: "unknown_country" };
  return { ok: true, click: { eventId: eventId.toLowerCase(), adId, ts, userId, ip, country } };
}

/** Parses one raw event (JSON text) and validates it. Never throws. */
export function parseClick(raw: string, opts: ValidateOptions): ParseResult {
  if (raw.length > MAX_EVENT_BYTES) return { ok: false, reason: "oversized" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: "malformed_json" };
  }
  return validateClick(value, opts);
}

/** The canonical wire form of a click (epoch-ms timestamp), as written to Kafka by our producers. */
export function toWire(c: Click): ClickWire {
  return { event_id: c.eventId, ad_id: c.adId, click_timestamp: c.ts, user_id: c.userId, ip: c.ip, country: c.country };
}
