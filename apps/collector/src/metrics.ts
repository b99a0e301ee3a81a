// The collector's Prometheus metrics (docs/metrics.md): requests by status, events collected,
// produced, rejected and refused, refused credentials, time to Kafka acknowledgement, the producer's queue.
import { collectProcessMetrics } from "@adclicks/metrics";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;

export function createCollectorMetrics(registry = new Registry(), opts: { defaults?: boolean } = {}) {
  if (opts.defaults ?? true) collectProcessMetrics(registry);
  return {
    registry,
    requests: new Counter({
      name: "collector_requests_total",
      help: "HTTP requests to /v1/clicks by status code",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    received: new Counter({
      name: "collector_events_received_total",
      help: "Events in the bodies of /v1/clicks requests that were parsed (collected)",
      registers: [registry],
    }),
    produced: new Counter({
      name: "collector_events_produced_total",
      help: "Valid events acknowledged by Kafka into ad-clicks (produced)",
      registers: [registry],
    }),
    rejected: new Counter({
      name: "collector_events_rejected_total",
      help: "Invalid events of accepted requests, acknowledged into the dead-letter topic, by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: "collector_events_refused_total",
      help: "Events of requests refused whole and sent nowhere, by reason (mostly_invalid, rate_limited)",
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
      name: "collector_kafka_ack_duration_seconds",
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
      name: "collector_kafka_up",
      help: "1 when the last Kafka probe succeeded",
      registers: [registry],
    }),
  };
}
