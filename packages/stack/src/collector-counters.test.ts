// parseCollectorCounters on a Prometheus text exposition shaped as the collector's registry
// prints it (apps/collector/src/metrics.ts).
import { expect, test } from "vitest";
import { parseCollectorCounters } from "./collector-counters";

const exposition = `# HELP collector_requests_total HTTP requests to /v1/clicks by status code
# TYPE collector_requests_total counter
collector_requests_total{status="202"} 4
collector_requests_total{status="503"} 2
# HELP collector_events_produced_total Valid events acknowledged by Kafka into ad-clicks (produced)
# TYPE collector_events_produced_total counter
collector_events_produced_total 1000
# HELP collector_events_rejected_total Invalid events of accepted requests, by reason
# TYPE collector_events_rejected_total counter
collector_events_rejected_total{reason="malformed"} 7
collector_events_rejected_total{reason="future_timestamp"} 3
# HELP collector_events_refused_total Events of requests refused whole, by reason
# TYPE collector_events_refused_total counter
collector_events_refused_total{reason="rate_limited"} 500
`;

test("accepted sums produced and every rejection reason, not refusals; 503s are their own", () => {
  expect(parseCollectorCounters(exposition)).toEqual({ accepted: 1_010, status503: 2 });
});

test("no 503 yet reads 0", () => {
  expect(
    parseCollectorCounters(exposition.replace(/^collector_requests_total\{status="503"\} 2\n/m, "")).status503,
  ).toBe(0);
});

test("a counter the collector does not export fails, rather than reading as 0", () => {
  expect(() => parseCollectorCounters("# TYPE collector_events_total counter\ncollector_events_total 5\n")).toThrow(
    "the collector exports no counter collector_events_produced_total",
  );
});
