// The partner REST API (GET /api/v1/...) of @adclicks/api on a plain Node HTTP server: the same
// handler and dependencies the web app's route mounts, without Next.js, so the chaos suite and
// the end-to-end bench query it through HTTP without building the web app.
import { createServer } from "node:http";
import { type ApiDeps, handleRestRequest } from "@adclicks/api";
import { createLogger } from "@adclicks/config/logger";
import { createDb } from "@adclicks/db/client";
import { createApiKeyCache } from "@adclicks/db/queries";
import { createLiveWindows, createRedis, redisKeys } from "@adclicks/live";
import { apiEnv } from "./api-env";

const logger = createLogger("api", apiEnv.LOG_LEVEL);
const db = createDb(apiEnv.DATABASE_URL, 8, { statementTimeoutMs: 10_000 });
const redis = createRedis(apiEnv.REDIS_URL);
// A Redis restart is one of the faults this serves through: errors are retried by the client,
// and a failed query answers 503 meanwhile.
redis.on("error", (err) => logger.warn({ err }, "redis"));
const keys = redisKeys(apiEnv.REDIS_PREFIX);
const deps: ApiDeps = {
  db,
  redis,
  redisKeys: keys,
  live: createLiveWindows(redis, keys),
  now: Date.now,
  keyCache: createApiKeyCache({ databaseUrl: apiEnv.DATABASE_URL }),
};

const server = createServer((req, res) => {
  const request = new Request(`http://localhost${req.url ?? "/"}`, {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) =>
      v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => [k, x] as [string, string]),
    ),
  });
  handleRestRequest(request, deps, (message, err) => logger.error({ err }, message))
    .then(async (r) => {
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    })
    .catch((err: unknown) => {
      logger.error({ err }, "request failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
});
server.listen(apiEnv.API_PORT, "127.0.0.1", () => logger.info({ port: apiEnv.API_PORT }, "listening"));
for (const signal of ["SIGTERM", "SIGINT"] as const)
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
