// What every process of the product adds to its Prometheus registry: prom-client's default
// process metrics, unprefixed (docs/metrics.md), minus its three gauges named `_total`
// (nodejs_active_{handles,requests,resources}_total), which `promtool check metrics` refuses;
// the same figures stay in nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
import { collectDefaultMetrics, type Registry } from "prom-client";

const MISNAMED = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED) registry.removeSingleMetric(name);
}
