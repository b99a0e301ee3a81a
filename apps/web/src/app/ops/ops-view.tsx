"use client";
// The ops view: alerts first (Prometheus rules, Alertmanager silences), then finality, the
// pipeline charts, the alert history and the dead-letter browser. Every threshold lives in
// infra/prometheus/alerts.yml, none in the browser. Panels load and fail on their own.
import { useQuery } from "@tanstack/react-query";
import { loadingState } from "~/components/format";
import { useTRPC } from "~/trpc/react";
import { AlertHistory } from "./alert-history";
import { AlertsPanel } from "./alerts-panel";
import { DeadLetterBrowser } from "./dead-letter-browser";
import { FinalityPanel } from "./finality-panel";
import { OpsCharts } from "./ops-charts";

export function OpsView() {
  const trpc = useTRPC();
  // The same queries as the panels' (shared in the cache): the view is ready when alerts and
  // health have answered, which is what a test or a screenshot waits for.
  const alerts = useQuery(trpc.ops.alerts.queryOptions(undefined, { refetchInterval: 5_000 }));
  const health = useQuery(trpc.ops.health.queryOptions(undefined, { refetchInterval: 5_000 }));
  const state = [loadingState(alerts), loadingState(health)];
  return (
    <div
      className="ops"
      data-testid="ops-view"
      data-loading-state={state.includes("loading") ? "loading" : state.includes("error") ? "error" : "ready"}
    >
      <AlertsPanel />
      <div className="ops-grid">
        <FinalityPanel />
        <AlertHistory />
      </div>
      <OpsCharts />
      {/* One cell per panel: more ops panels (e.g. reconciliation) slot in as further cells. */}
      <div className="ops-grid">
        <DeadLetterBrowser />
      </div>
    </div>
  );
}
