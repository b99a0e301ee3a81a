// The production web server (`npm start -w @adclicks/web`): Next's request handler behind a Node
// HTTP server that stamps each request with its client's address (server/client-ip.ts) for the
// sign-in limits. `next start` cannot: it keeps a client's own X-Forwarded-For as it came, and a
// route handler never sees the socket. Counts every request for /metrics (WEB_METRICS_PORT,
// loopback). Refuses to start with the development auth secret.
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { createLogger } from "@adclicks/config/logger";
import next from "next";
import { env, productionAuthSecretProblem } from "./env";
import { markClientIpStamped, stampClientIp } from "./server/client-ip";
import { createHttpMetrics, serveMetrics } from "./server/http-metrics";

const log = createLogger("web", env.LOG_LEVEL);

const problem = productionAuthSecretProblem();
if (problem) {
  log.fatal(problem);
  process.exit(1);
}

const port = env.PORT ?? env.WEB_PORT;
const app = next({ dev: false, dir: fileURLToPath(new URL("..", import.meta.url)), port });
await app.prepare();
const handle = app.getRequestHandler();
markClientIpStamped();
const metrics = createHttpMetrics();
const metricsServer =
  env.WEB_METRICS_PORT > 0
    ? await serveMetrics(metrics.registry, env.WEB_METRICS_PORT, env.WEB_METRICS_HOST).catch((err: unknown) => {
        console.error(
          `web: cannot serve /metrics on ${env.WEB_METRICS_HOST}:${env.WEB_METRICS_PORT}: set WEB_METRICS_PORT to a free port (0: none)`,
          err,
        );
        process.exit(1);
      })
    : null;

const server = createServer((req, res) => {
  metrics.track(req, res);
  stampClientIp(req.headers, req.socket.remoteAddress, env.TRUSTED_PROXY_HEADER);
  handle(req, res).catch((err: unknown) => {
    log.error({ err }, "request failed");
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});
server.listen(port, () => {
  const via = env.TRUSTED_PROXY_HEADER ? `the ${env.TRUSTED_PROXY_HEADER} header` : "the socket";
  log.info(`listening on http://localhost:${port} (client addresses from ${via})`);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  metricsServer?.close();
  server.close(() => {
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
  server.closeIdleConnections();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
