// The collector's Prometheus metrics: requests, events per outcome, rejection reasons, refused
// credentials, time to Kafka acknowledgement, and the producer's queue.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;

export function createCollectorMetrics(registry = new Registry(), opts: { defaults?: boolean } = {}) {
  if (opts.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: "collector_" });
  return {
    registry,
    requests: new Counter({
      name: "collector_requests_total",
      help: "HTTP requests to /v1/clicks by status code",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    events: new Counter({
      name: "collector_events_total",
      help: "Events received, by outcome (accepted: in ad-clicks; rejected: in the dead-letter topic; refused: in a request refused whole as mostly invalid; rate_limited: in a request over its key's rate)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    rejections: new Counter({
      name: "collector_rejections_total",
      help: "Rejected events by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: "collector_auth_failures_total",
      help: "Requests refused for their credentials (missing, not_bearer, partner_key, malformed, unknown, revoked, unverifiable)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: "collector_request_duration_seconds",
      help: "Time from request start to response, /v1/clicks",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    ackSeconds: new Histogram({
      name: "collector_kafka_ack_seconds",
      help: "Time for Kafka to acknowledge a request's events (acks=all)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    pending: new Gauge({
      name: "collector_kafka_pending_messages",
      help: "Messages handed to the producer and not yet acknowledged",
      registers: [registry],
    }),
    kafkaUp: new Gauge({
      name: "collector_kafka_reachable",
      help: "1 when the last Kafka probe succeeded",
      registers: [registry],
    }),
  };
}
