// The PromQL behind the ops view's charts, in one place: the Grafana dashboard
// (infra/grafana/adclicks-ops.json) is built from the same list (grafana-dashboard.ts), so both
// show the same figures. Metric names: docs/metrics.md.

export interface OpsChart {
  id: string;
  title: string;
  unit: "per_second" | "records" | "seconds";
  /** One series per result; `legend` names it from its labels. */
  queries: { promql: string; legend: string }[];
}

export const OPS_CHARTS: readonly OpsChart[] = [
  {
    id: "events",
    title: "Events per second, per stage",
    unit: "per_second",
    queries: [
      { promql: "sum(rate(collector_events_received_total[1m]))", legend: "collected" },
      { promql: "sum(rate(collector_events_produced_total[1m]))", legend: "produced" },
      { promql: "sum(rate(aggregator_events_consumed_total[1m]))", legend: "consumed" },
      { promql: "sum by (decision) (rate(aggregator_events_total[1m]))", legend: "{{decision}}" },
      { promql: "sum by (consumer) (rate(archiver_rows_written_total[1m]))", legend: "archived {{consumer}}" },
    ],
  },
  {
    id: "lag",
    title: "Consumer lag per partition (records)",
    unit: "records",
    queries: [
      { promql: "max by (consumer, partition) (adclicks_consumer_lag_records)", legend: "{{consumer}} p{{partition}}" },
    ],
  },
  {
    id: "freshness",
    title: "Freshness: event time → counted, and accepted → visible",
    unit: "seconds",
    queries: [
      {
        promql: "histogram_quantile(0.5, sum by (le) (rate(aggregator_event_to_counted_seconds_bucket[5m])))",
        legend: "event → counted p50",
      },
      {
        promql: "histogram_quantile(0.99, sum by (le) (rate(aggregator_event_to_counted_seconds_bucket[5m])))",
        legend: "event → counted p99",
      },
      {
        promql: "histogram_quantile(0.99, sum by (le) (rate(aggregator_ingest_to_visible_seconds_bucket[5m])))",
        legend: "accepted → visible p99",
      },
    ],
  },
  {
    id: "checkpoint",
    title: "Checkpoint duration",
    unit: "seconds",
    queries: [
      {
        promql: "histogram_quantile(0.5, sum by (le) (rate(aggregator_checkpoint_duration_seconds_bucket[5m])))",
        legend: "p50",
      },
      {
        promql: "histogram_quantile(0.99, sum by (le) (rate(aggregator_checkpoint_duration_seconds_bucket[5m])))",
        legend: "p99",
      },
    ],
  },
  {
    id: "dead-letters",
    title: "Dead letters per second, per reason",
    unit: "per_second",
    queries: [
      { promql: "sum by (reason) (rate(collector_events_rejected_total[5m]))", legend: "collector {{reason}}" },
      { promql: "sum by (reason) (rate(aggregator_dead_letters_total[5m]))", legend: "aggregator {{reason}}" },
    ],
  },
];

/** `{{label}}` placeholders of a legend filled from a series' labels. */
export function legendOf(legend: string, labels: Record<string, string>): string {
  return legend.replace(/\{\{(\w+)\}\}/g, (_, name: string) => labels[name] ?? "");
}
