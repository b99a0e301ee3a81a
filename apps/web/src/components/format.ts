// Small display helpers shared by the views.
export const fmtInt = (n: number) => n.toLocaleString("en-US");

export function fmtTime(iso: string | null): string {
  if (!iso) return "—";
  return `${iso.slice(11, 16)} UTC`;
}

export function fmtAge(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The `data-loading-state` value for a query, so tests wait for data rather than time. */
export function loadingState(q: { isPending: boolean; isError: boolean }): "loading" | "error" | "ready" {
  return q.isPending ? "loading" : q.isError ? "error" : "ready";
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(tz: string, kind: "clock" | "seconds" | "date"): Intl.DateTimeFormat {
  const key = `${kind}|${tz}`;
  let f = zoneFormats.get(key);
  if (!f) {
    // en-GB: 24-hour times without the narrow spaces en-US puts before AM/PM (server and
    // browser then render the same text).
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      hour: "2-digit",
      minute: "2-digit",
      ...(kind === "seconds" && { second: "2-digit" }),
      ...(kind === "date" && { day: "numeric", month: "short" }),
    });
    zoneFormats.set(key, f);
  }
  return f;
}

const msOf = (t: string | number) => (typeof t === "number" ? t : Date.parse(t));

/** "14:05" in the zone. */
export const fmtClock = (t: string | number, tz: string) => zoneFormat(tz, "clock").format(msOf(t));
/** "14:05:09" in the zone. */
export const fmtClockSeconds = (t: string | number, tz: string) => zoneFormat(tz, "seconds").format(msOf(t));
/** "5 Jan, 14:05" in the zone. */
export const fmtDateTime = (t: string | number, tz: string) => zoneFormat(tz, "date").format(msOf(t));

/** "5 Jan, 13:05 – 14:05" (the end exclusive, as the API states it). */
export function fmtRange(from: string, to: string, tz: string): string {
  const sameDay = fmtDateTime(from, tz).split(",")[0] === fmtDateTime(to, tz).split(",")[0];
  return `${fmtDateTime(from, tz)} – ${sameDay ? fmtClock(to, tz) : fmtDateTime(to, tz)}`;
}

/** A signed percent change, or "new" when the previous period had none. */
export function fmtChange(now: number, before: number): { text: string; trend: "up" | "down" | "flat" } {
  if (before === 0) return now === 0 ? { text: "—", trend: "flat" } : { text: "new", trend: "up" };
  const pct = ((now - before) / before) * 100;
  const text = `${pct > 0 ? "+" : pct < 0 ? "−" : "±"}${Math.abs(pct) < 10 ? Math.abs(pct).toFixed(1) : Math.round(Math.abs(pct))}%`;
  return { text, trend: pct > 0.05 ? "up" : pct < -0.05 ? "down" : "flat" };
}

/**
 * A panel's `data-loading-state`: "loading" also while the previous answer stands in for a new
 * query (a filter changed), so tests wait for the numbers of what is asked now.
 */
export function panelState(q: {
  isPending: boolean;
  isError: boolean;
  isPlaceholderData: boolean;
  data: unknown;
}): "loading" | "error" | "ready" {
  if (q.isError && (q.data === undefined || q.isPlaceholderData)) return "error";
  return q.isPending || q.isPlaceholderData ? "loading" : "ready";
}
