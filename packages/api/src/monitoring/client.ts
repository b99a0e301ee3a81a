// The HTTP APIs of Prometheus (/api/v1) and Alertmanager (/api/v2) that the ops view reads, with
// a timeout each: the browser never talks to them, the ops router does through this client. A
// server that cannot be reached is a MonitoringUnavailableError naming it and what to check.

export type MonitoringService = "Prometheus" | "Alertmanager";

export class MonitoringUnavailableError extends Error {
  constructor(
    readonly service: MonitoringService,
    readonly url: string,
    why: string,
    options?: ErrorOptions,
  ) {
    super(
      `${service} at ${url} is unreachable (${why}). Is it running? scripts/infra.sh starts it; ${
        service === "Prometheus" ? "PROMETHEUS_URL" : "ALERTMANAGER_URL"
      } names another one.`,
      options,
    );
  }
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "firing" | "pending" | "inactive";
  activeAt: string;
  value: string;
}

export interface AlertmanagerAlert {
  fingerprint: string;
  labels: Record<string, string>;
  startsAt: string;
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[] };
}

export interface Silence {
  id: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: { state: "active" | "pending" | "expired" };
}

export interface SeriesSample {
  metric: Record<string, string>;
  value: [number, string];
}
export interface SeriesRange {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface MonitoringClient {
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  prometheusAlerts(): Promise<PrometheusAlert[]>;
  query(promql: string): Promise<SeriesSample[]>;
  queryRange(promql: string, startSec: number, endSec: number, stepSec: number): Promise<SeriesRange[]>;
  alertmanagerAlerts(): Promise<AlertmanagerAlert[]>;
  silences(): Promise<Silence[]>;
  createSilence(s: Omit<Silence, "id" | "status">): Promise<string>;
}

export interface MonitoringConfig {
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** Per request (default 4 s): an ops page must say "unreachable" quickly, not hang. */
  timeoutMs?: number;
}

export function createMonitoringClient(cfg: MonitoringConfig): MonitoringClient {
  const prometheusUrl = cfg.prometheusUrl.replace(/\/+$/, "");
  const alertmanagerUrl = cfg.alertmanagerUrl.replace(/\/+$/, "");
  const timeoutMs = cfg.timeoutMs ?? 4_000;

  async function call<T>(service: MonitoringService, base: string, path: string, init?: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const why =
        err instanceof Error && err.name === "TimeoutError"
          ? `no answer within ${timeoutMs} ms`
          : (errorCode(err) ?? (err as Error).message);
      throw new MonitoringUnavailableError(service, base, why, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new MonitoringUnavailableError(service, base, `HTTP ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
  const prom = async <T>(path: string, params: Record<string, string> = {}) => {
    const body = await call<{ status: string; data: T; error?: string }>(
      "Prometheus",
      prometheusUrl,
      `${path}?${new URLSearchParams(params)}`,
    );
    return body.data;
  };

  return {
    prometheusUrl,
    alertmanagerUrl,
    async prometheusAlerts() {
      return (await prom<{ alerts: PrometheusAlert[] }>("/api/v1/alerts")).alerts;
    },
    async query(promql) {
      return (await prom<{ result: SeriesSample[] }>("/api/v1/query", { query: promql })).result;
    },
    async queryRange(promql, startSec, endSec, stepSec) {
      const params = { query: promql, start: String(startSec), end: String(endSec), step: String(stepSec) };
      return (await prom<{ result: SeriesRange[] }>("/api/v1/query_range", params)).result;
    },
    alertmanagerAlerts: () => call<AlertmanagerAlert[]>("Alertmanager", alertmanagerUrl, "/api/v2/alerts"),
    silences: () => call<Silence[]>("Alertmanager", alertmanagerUrl, "/api/v2/silences"),
    async createSilence(s) {
      const body = await call<{ silenceID: string }>("Alertmanager", alertmanagerUrl, "/api/v2/silences", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(s),
      });
      return body.silenceID;
    },
  };
}

/** ECONNREFUSED and the like, which fetch hides in its error's cause. */
function errorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}
