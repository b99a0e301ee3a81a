// The public HTTP routes of the collector: POST /v1/clicks, /healthz, /readyz (metrics are served
// on their own listener, see metrics-server.ts). A request needs an ingest key (or anonymous
// ingest enabled), stays within its key's rate (429 + Retry-After), and is refused whole (400)
// when mostly invalid. Answers 202 only once Kafka acknowledged every event of the request (valid
// ones and dead letters alike); 503 with Retry-After when it cannot; 4xx with a message for
// anything malformed; never crashes.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type HotAdRouter, retryAfterSeconds } from "@adclicks/core";
import type { Message, TopicNames } from "@adclicks/kafka";
import type { IngestRateLimiter } from "@adclicks/live";
import type { Logger } from "pino";
import { authenticate, type IngestAuthOptions, type Sender } from "./auth";
import { type BodyLimits, formatOf, splitBody } from "./body";
import { ingestEvents, judgeBatch } from "./ingest";
import type { CollectorMetrics } from "./metrics";
import { readBody } from "./read-body";

export interface Sink {
  send(batch: ReadonlyArray<{ topic: string; messages: Message[] }>): Promise<void>;
  readonly stalled: boolean;
}

export interface HandlerDeps {
  sink: Sink;
  topics: TopicNames;
  /** Whether Kafka is known to be reachable (producer connected, last probe fine). */
  kafkaReady(): boolean;
  logger: Logger;
  metrics: CollectorMetrics;
  limits: BodyLimits & { maxBytes: number };
  ackTimeoutMs: number;
  retryAfterS: number;
  /** Hot-ad lists to route by (absent: every click keyed by its ad_id). */
  hotAds?: HotAdRouter;
  auth: IngestAuthOptions;
  /** Per-key limits (absent: none). */
  rateLimiter?: IngestRateLimiter;
  /** The limit shared by all anonymous requests, when anonymous ingest is enabled. */
  anonymousEventsPerSecond: number;
  /** Clicks stamped more than this ahead of their receipt are rejected as future_timestamp. */
  maxFutureSkewMs?: number;
  now?: () => number;
}

/** A sender's rate-limit bucket and rate, its name in messages, and its dead letters' source. */
function describeSender(sender: Sender, anonymousEventsPerSecond: number) {
  return sender.kind === "key"
    ? {
        bucket: sender.key.id,
        eventsPerSecond: sender.key.eventsPerSecond,
        who: `ingest key ${sender.key.id}`,
        source: `collector:${sender.key.id}`,
      }
    : { bucket: "anonymous", eventsPerSecond: anonymousEventsPerSecond, who: "anonymous ingest", source: "collector" };
}

class AckTimeout extends Error {}

export function createHandler(deps: HandlerDeps) {
  const now = deps.now ?? Date.now;
  const { metrics, logger } = deps;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const unavailable = (res: ServerResponse, why: string) =>
    json(
      res,
      503,
      {
        error: `Kafka is unavailable (${why}): the events were not acknowledged; retry the whole request later (duplicates are removed by event_id)`,
      },
      { "retry-after": String(deps.retryAfterS) },
    );

  async function postClicks(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const auth = await authenticate(req.headers.authorization, deps.auth, deps.retryAfterS);
    if (!auth.ok) {
      req.resume();
      metrics.authFailures.inc({ reason: auth.reason });
      json(res, auth.status, { error: auth.message }, auth.headers);
      return auth.status;
    }
    const sender = describeSender(auth.sender, deps.anonymousEventsPerSecond);
    const fmt = formatOf(req.headers["content-type"]);
    if (!fmt.ok) {
      req.resume();
      json(res, fmt.status, { error: fmt.message });
      return fmt.status;
    }
    // Refuse before reading when we already know nothing can be acknowledged.
    if (!deps.kafkaReady() || deps.sink.stalled) {
      req.resume();
      unavailable(res, deps.sink.stalled ? "acknowledgements are stalled" : "not reachable");
      return 503;
    }
    const body = await readBody(req, deps.limits.maxBytes);
    if (!body.ok) {
      json(res, body.status, { error: body.message }, body.status === 413 ? { connection: "close" } : {});
      if (body.drain === "cut") res.once("finish", () => req.socket.destroy());
      return body.status;
    }
    const split = splitBody(body.text, fmt.format, deps.limits);
    if (!split.ok) {
      json(res, split.status, { error: split.message });
      return split.status;
    }
    metrics.received.inc(split.items.length);
    // Every event counts against the rate, valid or not: garbage is not free either.
    const limit = await deps.rateLimiter?.take(sender.bucket, split.items.length, sender.eventsPerSecond);
    if (limit && !limit.allowed) {
      const wait = retryAfterSeconds(limit.retryAfterMs);
      metrics.refused.inc({ reason: "rate_limited" }, split.items.length);
      const error = `rate limit of ${sender.eventsPerSecond} events per second exceeded (${sender.who}): nothing was accepted; send the request again after ${wait} s`;
      json(res, 429, { error }, { "retry-after": String(wait) });
      return 429;
    }
    const outcome = ingestEvents(split.items, {
      nowMs: now(),
      source: sender.source,
      hotAds: deps.hotAds,
      maxFutureSkewMs: deps.maxFutureSkewMs,
    });
    const verdict = judgeBatch(outcome);
    if (verdict.refuse) {
      metrics.refused.inc({ reason: "mostly_invalid" }, split.items.length);
      json(res, 400, {
        error: verdict.message,
        accepted: 0,
        rejected: outcome.errors.length,
        errors: verdict.firstErrors,
      });
      return 400;
    }
    const batch = [
      { topic: deps.topics.clicks, messages: outcome.clicks },
      { topic: deps.topics.deadLetters, messages: outcome.deadLetters },
    ];
    const started = now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.sink.send(batch),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AckTimeout()), deps.ackTimeoutMs);
        }),
      ]);
    } catch (err) {
      const why =
        err instanceof AckTimeout ? `no acknowledgement within ${deps.ackTimeoutMs} ms` : (err as Error).message;
      logger.warn({ err, events: split.items.length }, "could not get Kafka to acknowledge a request");
      unavailable(res, why);
      return 503;
    } finally {
      clearTimeout(timer);
    }
    metrics.ackSeconds.observe((now() - started) / 1000);
    metrics.produced.inc(outcome.clicks.length);
    for (const e of outcome.errors) metrics.rejected.inc({ reason: e.reason });
    json(res, 202, { accepted: outcome.clicks.length, rejected: outcome.errors.length, errors: outcome.errors });
    return 202;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/v1/clicks") {
      if (req.method !== "POST") {
        req.resume();
        json(res, 405, { error: "use POST" }, { allow: "POST" });
        return;
      }
      const start = process.hrtime.bigint();
      const status = await postClicks(req, res);
      metrics.requests.inc({ status: String(status) });
      metrics.requestSeconds.observe(Number(process.hrtime.bigint() - start) / 1e9);
      return;
    }
    req.resume();
    if (req.method !== "GET" && req.method !== "HEAD") {
      json(res, 405, { error: "use GET" }, { allow: "GET" });
      return;
    }
    if (path === "/healthz") return json(res, 200, { status: "ok" });
    if (path === "/readyz") {
      const ready = deps.kafkaReady() && !deps.sink.stalled;
      return json(res, ready ? 200 : 503, { ready, kafka: ready ? "reachable" : "unreachable" });
    }
    json(res, 404, { error: `no route ${path}: POST /v1/clicks, GET /healthz, /readyz` });
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    // A client that goes away mid-request must not take the process with it.
    req.on("error", () => {});
    res.on("error", () => {});
    route(req, res).catch((err) => {
      logger.error({ err }, "unexpected error handling a request");
      if (!res.headersSent) json(res, 500, { error: "internal error" });
      else res.destroy();
    });
  };
}
