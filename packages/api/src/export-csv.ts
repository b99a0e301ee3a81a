// CSV exports of what the dashboards show: the overview's top table and series, one ad's series
// and country breakdown. Authenticated and scoped like the API (session cookie or partner key,
// which is rate limited), parameters as in the page's URL (400 naming the parameter), and
// streamed: series rows come from a Postgres cursor a batch at a time, as the client reads.
import { formatIsoInZone, MINUTE_MS } from "@adclicks/core";
import { planQuery, QueryInputError, streamClickRows } from "@adclicks/db/queries";
import { canViewAd, isViewer, scopeOf, type Viewer } from "./access";
import { dashboardTimeRange, getAdDetail, getOverview, type RangeFields } from "./dashboard-data";
import { takeRateLimit } from "./rate-limit";
import {
  changePct,
  type DashboardParams,
  PARAM_NAMES,
  parseDashboardParams,
  rangeAndFilterInput,
  sortTopAds,
} from "./schemas/dashboard-params";
import { adIdSchema, timestampSchema } from "./schemas/query-params";
import { type ApiDeps, resolveCaller } from "./trpc";

export const EXPORT_FILES = ["overview-top.csv", "overview-series.csv", "ad-series.csv", "ad-breakdown.csv"] as const;
export type ExportFile = (typeof EXPORT_FILES)[number];

type Logger = (message: string, error: unknown) => void;
const defaultLogger: Logger = (message, error) => console.error(message, error);

const json = (status: number, message: string, headers: Record<string, string> = {}) =>
  Response.json({ message }, { status, headers: { "Cache-Control": "no-store", ...headers } });

/** A CSV field: quoted when needed; text a spreadsheet would run as a formula is defused with a quote. */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return "";
  if (typeof v !== "string") return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
const csvLine = (fields: (string | number | boolean | null)[]) => `${fields.map(csvField).join(",")}\n`;

function rangeText(p: DashboardParams): string {
  if (p.range === "today") return "today";
  if (p.range === "custom") return "custom range";
  return `last ${p.range} minute${p.range === 1 ? "" : "s"}`;
}

function filtersText(p: DashboardParams): string {
  return `country=${p.country ?? "any"}, ip=${p.ip ?? "any"}, user_id=${p.user_id ?? "any"}`;
}

function viewerText(viewer: Viewer): string {
  if (viewer.kind === "key") return `API key ${viewer.name}`;
  return viewer.role === "ops"
    ? `${viewer.email} (ops: every ad)`
    : `${viewer.email} (advertiser ${viewer.advertiserId})`;
}

interface Header {
  title: string;
  viewer: Viewer;
  params: DashboardParams;
  fromMs: number;
  toMs: number;
  asOfMs: number | null;
  nowMs: number;
}

/** The file's header lines (each starts with '#'): what, for whom, which range, zone and filters. */
function headerLines(h: Header): string {
  const t = (ms: number) => formatIsoInZone(ms, h.params.tz);
  const lines = [
    `Ad clicks export: ${h.title}`,
    `viewer: ${viewerText(h.viewer)}`,
    `range: ${rangeText(h.params)}, ${t(h.fromMs)} to ${t(h.toMs)} (start inclusive, end exclusive)`,
    `time zone: ${h.params.tz} (times below are local, with their UTC offset)`,
    `filters: ${filtersText(h.params)}`,
    h.asOfMs === null
      ? "data as of: no minute is final yet (every number may still grow)"
      : `data as of: ${t(h.asOfMs)} (minutes before this are final; later ones may still grow; late_clicks are corrections added after a minute was final)`,
    `generated: ${t(h.nowMs)}`,
  ];
  return lines.map((l) => `# ${l.replaceAll("\n", " ")}\n`).join("");
}

/** A streamed CSV response: the header, then whatever the generator yields, pulled as the client reads. */
function csvResponse(filename: string, head: string, body: AsyncGenerator<string>, log: Logger): Response {
  const encoder = new TextEncoder();
  let started = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(head));
        return;
      }
      try {
        const next = await body.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (err) {
        // The status line is sent already: say in the file that it is incomplete.
        log(`export ${filename} failed part-way`, err);
        controller.enqueue(encoder.encode("# error: the export failed part-way; this file is incomplete\n"));
        controller.close();
      }
    },
    async cancel() {
      await body.return(undefined); // closes the cursor and frees its Postgres client
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store, no-transform",
    },
  });
}

async function* lines(rows: Iterable<(string | number | boolean | null)[]>): AsyncGenerator<string> {
  let chunk = "";
  for (const r of rows) chunk += csvLine(r);
  yield chunk;
}

/** Parses the export's parameters: the dashboard's, plus `ad` for the per-ad files. Unknown ones are refused. */
function parseExportParams(
  url: URL,
  file: ExportFile,
): { ok: true; params: DashboardParams; adId?: string } | { ok: false; message: string } {
  const allowed = new Set<string>([...PARAM_NAMES, ...(file.startsWith("ad-") ? ["ad"] : [])]);
  const unknown = [...url.searchParams.keys()].filter((k) => !allowed.has(k));
  if (unknown.length > 0) return { ok: false, message: `${unknown.join(", ")}: unknown parameter` };
  const parsed = parseDashboardParams(url.searchParams);
  const problems = Object.entries(parsed.errors).map(([k, m]) => `${k}: ${m}`);
  let adId: string | undefined;
  if (file.startsWith("ad-")) {
    const r = adIdSchema.safeParse(url.searchParams.get("ad") ?? undefined);
    if (r.success) adId = r.data;
    else problems.push(`ad: ${url.searchParams.has("ad") ? r.error.issues[0]?.message : "required: the ad id"}`);
  }
  if (problems.length > 0) return { ok: false, message: problems.join("; ") };
  return { ok: true, params: parsed.params, adId };
}

function toRangeFields(p: DashboardParams): RangeFields {
  const input = rangeAndFilterInput(p);
  return {
    ...input,
    minutes: "minutes" in input ? input.minutes : undefined,
    from: "from" in input ? timestampSchema.parse(input.from) : undefined,
    to: "to" in input ? timestampSchema.parse(input.to) : undefined,
    today: "today" in input ? true : undefined,
  };
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, "");

export async function handleExportRequest(
  req: Request,
  deps: ApiDeps,
  fileName: string,
  log: Logger = defaultLogger,
  now: () => number = Date.now,
): Promise<Response> {
  const file = EXPORT_FILES.find((f) => f === fileName);
  if (!file) return json(404, `no export named ${fileName}: expected one of ${EXPORT_FILES.join(", ")}`);
  const caller = await resolveCaller(deps, req.headers);
  if (!isViewer(caller)) return json(401, "sign in, or send Authorization: Bearer <API key>");
  if (caller.kind === "key") {
    const rl = await takeRateLimit(deps.redis, deps.redisKeys.tag, caller.keyId, caller.rateLimitPerMinute);
    if (!rl.allowed) {
      return json(429, `rate limit of ${caller.rateLimitPerMinute} requests per minute exceeded`, {
        "Retry-After": String(rl.retryAfterSec),
      });
    }
  }
  const parsed = parseExportParams(new URL(req.url), file);
  if (!parsed.ok) return json(400, parsed.message);
  const { params, adId } = parsed;
  if (adId !== undefined && !(await canViewAd(deps.db, caller, adId))) return json(404, `ad: ad ${adId} not found`);

  const fields = toRangeFields(params);
  const nowMs = now();
  const tzTime = (ms: number) => formatIsoInZone(ms, params.tz);
  try {
    if (file === "overview-top.csv") {
      const o = await getOverview(deps, caller, { ...fields, count: params.n }, nowMs);
      const head = headerLines({ title: `top ${params.n} ads`, viewer: caller, params, ...msRange(o), nowMs });
      const ads = sortTopAds(o.top.ads, params.sort, params.dir);
      const rows = ads.map((a, i) => [i + 1, a.ad_id, a.name, a.count, a.previous, changePct(a.count, a.previous)]);
      return csvResponse(
        `adclicks-top-${stamp(nowMs)}.csv`,
        `${head}${csvLine(["rank", "ad_id", "name", "clicks", "previous_period_clicks", "change_pct"])}`,
        lines(rows),
        log,
      );
    }
    if (file === "ad-breakdown.csv" && adId !== undefined) {
      const d = await getAdDetail(deps, { ...fields, ad_id: adId }, nowMs);
      const head = headerLines({ title: `clicks of ${adId} by country`, viewer: caller, params, ...msRange(d), nowMs });
      const rows = d.breakdown.map((r) => [r.country, r.count, share(r.count, d.total)]);
      return csvResponse(
        `adclicks-${adId}-countries-${stamp(nowMs)}.csv`,
        `${head}${csvLine(["country", "clicks", "share_pct"])}`,
        lines(rows),
        log,
      );
    }
    // Series: the interval as the dashboards resolve it, then the rows through a cursor.
    const filter = { country: params.country, ip: params.ip, userId: params.user_id };
    const plan = await planQuery(deps, dashboardTimeRange(fields, nowMs), filter);
    const range = plan.range;
    const isFinalMinute = (m: number) => plan.asOfMs !== null && m + MINUTE_MS <= plan.asOfMs;
    const title = adId === undefined ? "clicks per minute and ad" : `clicks of ${adId} per minute`;
    const head = headerLines({ title, viewer: caller, params, ...range, asOfMs: plan.asOfMs, nowMs });
    const rows = streamClickRows(deps.db, {
      range,
      filter,
      ads: adId === undefined ? { scope: scopeOf(caller) } : { adIds: [adId] },
    });
    if (adId === undefined) {
      return csvResponse(
        `adclicks-series-${stamp(nowMs)}.csv`,
        `${head}${csvLine(["minute", "ad_id", "clicks", "final", "late_clicks"])}`,
        (async function* () {
          for await (const batch of rows) {
            yield batch
              .map((r) => csvLine([tzTime(r.minuteMs), r.adId, r.clicks, isFinalMinute(r.minuteMs), r.lateClicks]))
              .join("");
          }
        })(),
        log,
      );
    }
    // One ad: every minute of the range, zero-filled like the chart.
    return csvResponse(
      `adclicks-${adId}-series-${stamp(nowMs)}.csv`,
      `${head}${csvLine(["minute", "clicks", "final", "late_clicks"])}`,
      (async function* () {
        let next = range.fromMs;
        const zeros = (until: number) => {
          let out = "";
          for (; next < until; next += MINUTE_MS) out += csvLine([tzTime(next), 0, isFinalMinute(next), 0]);
          return out;
        };
        for await (const batch of rows) {
          let out = "";
          for (const r of batch) {
            out += zeros(r.minuteMs);
            out += csvLine([tzTime(r.minuteMs), r.clicks, isFinalMinute(r.minuteMs), r.lateClicks]);
            next = r.minuteMs + MINUTE_MS;
          }
          yield out;
        }
        yield zeros(range.toMs);
      })(),
      log,
    );
  } catch (err) {
    if (err instanceof QueryInputError) return json(400, err.message);
    log(`export ${file} failed`, err);
    return json(500, "internal error");
  }
}

const msRange = (o: { from: string; to: string; as_of: string | null }) => ({
  fromMs: Date.parse(o.from),
  toMs: Date.parse(o.to),
  asOfMs: o.as_of === null ? null : Date.parse(o.as_of),
});

function share(n: number, total: number): number | null {
  return total === 0 ? null : Math.round((n / total) * 1000) / 10;
}
