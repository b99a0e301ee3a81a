// Calendar arithmetic in IANA time zones (through Intl, so the browser and the server agree):
// validating a zone, its UTC offset at an instant, local midnight, and local wall-clock text.
import { MINUTE_MS } from "./time";

export const UTC = "UTC";

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True for a zone name Intl knows ("UTC", "Europe/Paris"); never throws. */
export function isTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    partsFormatter(tz);
    return true;
  } catch {
    return false; // RangeError: an unknown zone, which is what this function answers
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(ms: number, tz: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(tz).formatToParts(ms)) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  return {
    year: out.year ?? 1970,
    month: out.month ?? 1,
    day: out.day ?? 1,
    hour: out.hour ?? 0,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

/** The zone's offset from UTC at instant `ms` (local = UTC + offset), whole seconds. */
export function zoneOffsetMs(ms: number, tz: string): number {
  if (tz === UTC) return 0;
  const p = localParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the local wall-clock time (y-m-d h:m) occurs in `tz` (the earlier one in a DST overlap). */
export function instantOfLocal(tz: string, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle it: the offset at the first guess, then at the corrected instant.
  let t = wall - zoneOffsetMs(wall, tz);
  t = wall - zoneOffsetMs(t, tz);
  return t;
}

/** Local midnight (start of the day containing `nowMs`) in `tz`. */
export function startOfDayMs(nowMs: number, tz: string): number {
  const p = localParts(nowMs, tz);
  return instantOfLocal(tz, p.year, p.month, p.day);
}

/** "Today" in `tz`: local midnight up to the end of the current (open) minute. */
export function todayRange(nowMs: number, tz: string): { fromMs: number; toMs: number } {
  const end = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return { fromMs: startOfDayMs(nowMs, tz), toMs: end };
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");

function offsetText(offsetMs: number): string {
  if (offsetMs === 0) return "Z";
  const mins = Math.round(Math.abs(offsetMs) / MINUTE_MS);
  return `${offsetMs < 0 ? "-" : "+"}${pad(Math.floor(mins / 60))}:${pad(mins % 60)}`;
}

/** ISO-8601 local time with its offset: "2026-01-05T11:00:00+01:00" ("…Z" in UTC). */
export function formatIsoInZone(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  const date = `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
  return `${date}${offsetText(zoneOffsetMs(ms, tz))}`;
}

/** The value of an `<input type="datetime-local">` ("2026-01-05T11:00") for `ms` in `tz`. */
export function toLocalInputValue(ms: number, tz: string): string {
  return formatIsoInZone(ms, tz).slice(0, 16);
}

/** Parses an `<input type="datetime-local">` value as a wall-clock time in `tz`; undefined if malformed. */
export function parseLocalInputValue(value: string, tz: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?$/.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  return instantOfLocal(tz, y, mo, d, h, mi);
}
