// What the ops view shows from Prometheus and Alertmanager: the alerts firing and pending (with
// since-when, severity, summary, and whether a silence holds them), the last 24 h of alerts as
// intervals, the charts of ops-queries.ts, and silences (an acknowledgement is a silence). Each
// answer says plainly which server could not be reached instead of failing the whole page.
import { type MonitoringClient, MonitoringUnavailableError } from "./client";
import { legendOf, OPS_CHARTS, type OpsChart } from "./ops-queries";

/** A server's state as the page shows it. */
export type Reachability = { ok: true } | { ok: false; message: string };

export interface OpsAlert {
  name: string;
  state: "firing" | "pending";
  severity: string;
  summary: string;
  sinceMs: number;
  /** The alert's labels, minus alertname and severity: what tells two of the same name apart. */
  labels: Record<string, string>;
  /** The silences holding it in Alertmanager (empty: it notifies). */
  silencedBy: string[];
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1 };

async function reach<T>(
  read: () => Promise<T>,
): Promise<{ value: T; state: Reachability } | { value: undefined; state: Reachability }> {
  try {
    return { value: await read(), state: { ok: true } };
  } catch (err) {
    if (err instanceof MonitoringUnavailableError)
      return { value: undefined, state: { ok: false, message: err.message } };
    throw err;
  }
}

const identity = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

function ownLabels(labels: Record<string, string>): Record<string, string> {
  const { alertname: _n, severity: _s, ...rest } = labels;
  return rest;
}

export async function getAlertOverview(client: MonitoringClient): Promise<{
  prometheus: Reachability;
  alertmanager: Reachability;
  alerts: OpsAlert[];
}> {
  const [prom, am] = await Promise.all([
    reach(() => client.prometheusAlerts()),
    reach(() => client.alertmanagerAlerts()),
  ]);
  const silenced = new Map((am.value ?? []).map((a) => [identity(a.labels), a.status.silencedBy]));
  const alerts: OpsAlert[] = (prom.value ?? [])
    .filter((a): a is typeof a & { state: "firing" | "pending" } => a.state === "firing" || a.state === "pending")
    .map((a) => ({
      name: a.labels.alertname ?? "unnamed",
      state: a.state,
      severity: a.labels.severity ?? "none",
      summary: a.annotations.summary ?? "",
      sinceMs: Date.parse(a.activeAt),
      labels: ownLabels(a.labels),
      silencedBy: silenced.get(identity(a.labels)) ?? [],
    }))
    .sort(
      (x, y) =>
        Number(x.state === "pending") - Number(y.state === "pending") ||
        (SEVERITY_ORDER[x.severity] ?? 9) - (SEVERITY_ORDER[y.severity] ?? 9) ||
        x.sinceMs - y.sinceMs,
    );
  return { prometheus: prom.state, alertmanager: am.state, alerts };
}

export interface AlertInterval {
  name: string;
  severity: string;
  labels: Record<string, string>;
  fromMs: number;
  /** null: still firing. */
  toMs: number | null;
}

const HISTORY_STEP_S = 60;

/** Firing intervals of the last `hours`, newest first, from Prometheus' ALERTS series. */
export async function getAlertHistory(
  client: MonitoringClient,
  nowMs: number,
  hours = 24,
): Promise<{ prometheus: Reachability; intervals: AlertInterval[] }> {
  const end = Math.floor(nowMs / 1000);
  const start = end - hours * 3600;
  const r = await reach(() => client.queryRange('ALERTS{alertstate="firing"}', start, end, HISTORY_STEP_S));
  const intervals: AlertInterval[] = [];
  for (const s of r.value ?? []) {
    const { alertstate: _st, ...labels } = s.metric;
    let from: number | undefined;
    let prev = Number.NEGATIVE_INFINITY;
    const close = (to: number | null) => {
      if (from === undefined) return;
      intervals.push({
        name: labels.alertname ?? "unnamed",
        severity: labels.severity ?? "none",
        labels: ownLabels(labels),
        fromMs: from * 1000,
        toMs: to === null ? null : to * 1000,
      });
      from = undefined;
    };
    for (const [t] of s.values) {
      if (t - prev > HISTORY_STEP_S) {
        close(prev);
        from = t;
      }
      prev = t;
    }
    close(end - prev <= HISTORY_STEP_S ? null : prev);
  }
  intervals.sort((a, b) => b.fromMs - a.fromMs);
  return { prometheus: r.state, intervals };
}

export interface ChartData {
  id: string;
  title: string;
  unit: OpsChart["unit"];
  series: { name: string; points: [number, number][] }[];
}

/** The ops charts over the last `minutes`, about 120 points each. */
export async function getOpsCharts(
  client: MonitoringClient,
  nowMs: number,
  minutes: number,
): Promise<{ prometheus: Reachability; charts: ChartData[] }> {
  const end = Math.floor(nowMs / 1000);
  const start = end - minutes * 60;
  const step = Math.max(5, Math.round((minutes * 60) / 120));
  const r = await reach(() =>
    Promise.all(
      OPS_CHARTS.map(async (chart) => ({
        id: chart.id,
        title: chart.title,
        unit: chart.unit,
        series: (
          await Promise.all(
            chart.queries.map(async (q) =>
              (
                await client.queryRange(q.promql, start, end, step)
              ).map((s) => ({
                name: legendOf(q.legend, s.metric),
                points: s.values
                  .map(([t, v]) => [t * 1000, Number(v)] as [number, number])
                  .filter(([, v]) => Number.isFinite(v)),
              })),
            ),
          )
        ).flat(),
      })),
    ),
  );
  return { prometheus: r.state, charts: r.value ?? [] };
}

export interface SilenceInput {
  alertname: string;
  labels: Record<string, string>;
  minutes: number;
  comment: string;
}

/** Acknowledges an alert: a silence matching exactly its name and labels, for `minutes`. */
export async function silenceAlert(
  client: MonitoringClient,
  input: SilenceInput,
  createdBy: string,
  nowMs: number,
): Promise<{ silenceId: string; endsAtMs: number }> {
  const endsAtMs = nowMs + input.minutes * 60_000;
  const matchers = Object.entries({ ...input.labels, alertname: input.alertname }).map(([name, value]) => ({
    name,
    value,
    isRegex: false,
    isEqual: true,
  }));
  const silenceId = await client.createSilence({
    matchers,
    startsAt: new Date(nowMs).toISOString(),
    endsAt: new Date(endsAtMs).toISOString(),
    createdBy,
    comment: input.comment,
  });
  return { silenceId, endsAtMs };
}
