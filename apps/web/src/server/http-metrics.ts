// The web app's Prometheus metrics (docs/metrics.md): requests by route pattern, method and
// status, their latency, and the default process metrics; served by main.ts on a loopback
// listener of its own (WEB_METRICS_PORT), apart from the public port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { collectProcessMetrics } from "@adclicks/metrics";
import { Counter, Histogram, Registry } from "prom-client";
import { routePattern } from "./route-pattern";

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;

export function createHttpMetrics(registry = new Registry()) {
  collectProcessMetrics(registry);
  const requests = new Counter({
    name: "http_requests_total",
    help: "Web requests by route pattern, method and status code",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "http_request_duration_seconds",
    help: "Web request start to response end, by route pattern and method",
    labelNames: ["route", "method"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    /** Counts the request once its response is finished (or the client went away). */
    track(req: IncomingMessage, res: ServerResponse): void {
      const start = process.hrtime.bigint();
      res.once("close", () => {
        const route = routePattern(req.url ?? "/");
        const method = req.method ?? "GET";
        requests.inc({ route, method, status: String(res.statusCode) });
        seconds.observe({ route, method }, Number(process.hrtime.bigint() - start) / 1e9);
      });
    },
  };
}

/** GET /metrics on host:port; resolves once listening. */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    if ((req.url ?? "/").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (err: unknown) => {
        console.error("web: rendering /metrics failed", err);
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
