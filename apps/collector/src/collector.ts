// Wires the collector: an idempotent acks=all producer behind a BatchingProducer, the Kafka
// probe, ingest-key checks and rate limits, metrics (on their own loopback listener) and the HTTP
// server. main.ts passes env-derived options; tests pass their own Kafka client (e.g. one that
// reaches the broker through a proxy they can cut) and key checks.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HotAdRouter } from "@adclicks/core";
import { DEFAULT_INGEST_EVENTS_PER_SECOND } from "@adclicks/db/queries";
import {
  acksAllSender,
  BatchingProducer,
  type CompressionTypes,
  createIdempotentProducer,
  type Kafka,
  type TopicNames,
} from "@adclicks/kafka";
import type { IngestRateLimiter } from "@adclicks/live";
import type { Logger } from "pino";
import type { IngestAuthOptions } from "./auth";
import { DEFAULT_BODY_LIMITS } from "./body";
import { createHandler } from "./handler";
import { type CollectorMetrics, createCollectorMetrics } from "./metrics";
import { serveMetrics } from "./metrics-server";
import { KafkaProbe } from "./probe";

export interface CollectorOptions {
  kafka: Kafka;
  topics: TopicNames;
  logger: Logger;
  port: number;
  host?: string;
  maxBytes?: number;
  maxEvents?: number;
  ackTimeoutMs?: number;
  retryAfterS?: number;
  compression?: CompressionTypes;
  probeIntervalMs?: number;
  metrics?: CollectorMetrics;
  /** Hot-ad lists (kept fresh by the caller) that clicks are routed by. */
  hotAds?: HotAdRouter;
  /** Ingest keys, and whether requests without one are accepted. */
  auth: IngestAuthOptions;
  /** Per-key (and anonymous) rate limits; absent: none. */
  rateLimiter?: IngestRateLimiter;
  anonymousEventsPerSecond?: number;
  /** Where /metrics is served (undefined: nowhere; 0: any free port); host default 127.0.0.1. */
  metricsPort?: number;
  metricsHost?: string;
  /** Clicks stamped more than this ahead of their receipt are rejected (default: core's 30 s). */
  maxFutureSkewMs?: number;
}

export interface Collector {
  server: Server;
  port: number;
  /** The metrics listener's port and address, when there is one. */
  metricsPort?: number;
  metricsAddress?: string;
  metrics: CollectorMetrics;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

export async function startCollector(opts: CollectorOptions): Promise<Collector> {
  const { kafka, topics, logger } = opts;
  const metrics = opts.metrics ?? createCollectorMetrics();
  const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
  const producer = createIdempotentProducer(kafka);
  const sink = new BatchingProducer(acksAllSender(producer, opts.compression), {
    stallAfterMs: ackTimeoutMs,
  });
  const probe = new KafkaProbe(kafka, topics.clicks, { intervalMs: opts.probeIntervalMs });
  let connected = false;
  let closing = false;

  // Kafka may be down when we start: keep trying in the background, answering 503 meanwhile.
  const connecting = (async () => {
    while (!closing) {
      try {
        await producer.connect();
        connected = true;
        logger.info({ topics }, "producer connected to Kafka");
        return;
      } catch (err) {
        logger.warn({ err }, "Kafka not reachable yet; retrying");
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  })();
  probe.start();

  const handler = createHandler({
    sink,
    topics,
    kafkaReady: () => connected && probe.reachable,
    logger,
    metrics,
    limits: {
      maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
      maxEvents: opts.maxEvents ?? DEFAULT_BODY_LIMITS.maxEvents,
      maxDepth: DEFAULT_BODY_LIMITS.maxDepth,
    },
    ackTimeoutMs,
    retryAfterS: opts.retryAfterS ?? 2,
    hotAds: opts.hotAds,
    auth: opts.auth,
    rateLimiter: opts.rateLimiter,
    anonymousEventsPerSecond: opts.anonymousEventsPerSecond ?? DEFAULT_INGEST_EVENTS_PER_SECOND,
    maxFutureSkewMs: opts.maxFutureSkewMs,
  });
  const server = createServer(handler);
  // Slow or stalled clients must not hold sockets forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 65_000;
  const gauge = setInterval(() => {
    metrics.pending.set(sink.stats().pendingMessages);
    metrics.kafkaUp.set(probe.reachable ? 1 : 0);
  }, 1_000);
  gauge.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const metricsListener =
    opts.metricsPort === undefined
      ? undefined
      : await serveMetrics(metrics.registry, opts.metricsPort, opts.metricsHost ?? "127.0.0.1");

  return {
    server,
    port,
    metricsPort: metricsListener?.port,
    metricsAddress: metricsListener?.address,
    metrics,
    async close() {
      closing = true;
      clearInterval(gauge);
      metricsListener?.server.close();
      metricsListener?.server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      // Requests already accepted wait for their acknowledgement before the producer goes.
      await Promise.race([sink.close(), new Promise((r) => setTimeout(r, ackTimeoutMs))]);
      await probe.stop();
      await connecting;
      // Shutting down, every request answered: a failed disconnect leaves nothing to retry or report.
      await producer.disconnect().catch(() => {});
    },
  };
}
