// The recon worker's Prometheus metrics (docs/metrics.md). The reconciliation gauges are read
// from Postgres at each scrape, so runs made by the CLI count as much as the worker's own.
import { getVerifiedThrough, latestReconciliations, type ReconMetricKind } from "@adclicks/db";
import type pg from "pg";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

export type ReconMetrics = ReturnType<typeof createReconMetrics>;

const KINDS: readonly ReconMetricKind[] = ["hourly", "daily", "manual"];

export function createReconMetrics(pool: pg.Pool, registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  // One read per scrape for both per-kind gauges.
  let latest: ReturnType<typeof latestReconciliations> | undefined;
  const read = () => {
    latest ??= latestReconciliations(pool).finally(() => {
      latest = undefined;
    });
    return latest;
  };
  return {
    registry,
    mismatches: new Gauge({
      name: "adclicks_reconciliation_mismatches",
      help: "Mismatched cells found by the last reconciliation of every ad of that kind (hourly, daily, manual)",
      labelNames: ["kind"] as const,
      registers: [registry],
      async collect() {
        const runs = await read();
        for (const kind of KINDS) {
          const r = runs.get(kind);
          if (r) this.set({ kind }, r.mismatches);
        }
      },
    }),
    lastRun: new Gauge({
      name: "adclicks_reconciliation_last_run_timestamp_seconds",
      help: "When the last reconciliation of every ad of that kind finished, epoch seconds",
      labelNames: ["kind"] as const,
      registers: [registry],
      async collect() {
        const runs = await read();
        for (const kind of KINDS) {
          const r = runs.get(kind);
          if (r) this.set({ kind }, r.finishedMs / 1000);
        }
      },
    }),
    verifiedThrough: new Gauge({
      name: "adclicks_reconciliation_verified_through_timestamp_seconds",
      help: "verified_through: every minute before it was found exact by reconciliation, epoch seconds",
      registers: [registry],
      async collect() {
        const ms = await getVerifiedThrough(pool);
        if (ms !== null) this.set(ms / 1000);
      },
    }),
    runs: new Counter({
      name: "adclicks_reconciliation_runs_total",
      help: "Runs this worker carried out, by kind (reconcile, recalc) and result (clean, mismatches, failed)",
      labelNames: ["kind", "result"] as const,
      registers: [registry],
    }),
  };
}
