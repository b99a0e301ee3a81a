// Process-wide clients for the route handlers and server components: one Postgres pool (its
// statements under the web's timeout), one Redis connection, one better-auth instance and the
// cache of verified partner keys (with its Postgres listener for revocations) and the Prometheus /
// Alertmanager client of the ops view, created on first use (never at build time).
import "server-only";
import { type ApiDeps, type AuthInstance, createAuth, createMonitoringClient } from "@adclicks/api";
import { createDb } from "@adclicks/db/client";
import { createApiKeyCache } from "@adclicks/db/queries";
import { createLiveWindows, createRedis, redisKeys } from "@adclicks/live";
import { env, productionAuthSecretProblem } from "~/env";
import { trustedClientIpHeader } from "./client-ip";

const LOCAL_HOSTS = ["localhost", "localhost:*", "127.0.0.1", "127.0.0.1:*"];
type WebDeps = ApiDeps & { auth: AuthInstance };
const holder = globalThis as { __adclicksDeps?: WebDeps };

export function getDeps(): WebDeps {
  if (!holder.__adclicksDeps) {
    // main.ts refuses to start already; this covers a server started some other way.
    const problem = productionAuthSecretProblem();
    if (problem) throw new Error(problem);
    const db = createDb(env.DATABASE_URL, 10, { statementTimeoutMs: env.WEB_STATEMENT_TIMEOUT_MS });
    const redis = createRedis(env.REDIS_URL);
    const keys = redisKeys(env.REDIS_PREFIX);
    holder.__adclicksDeps = {
      db,
      redis,
      redisKeys: keys,
      live: createLiveWindows(redis, keys),
      now: Date.now,
      keyCache: createApiKeyCache({ databaseUrl: env.DATABASE_URL }),
      userRateLimitPerMinute: env.USER_RATE_LIMIT_PER_MINUTE,
      monitoring: createMonitoringClient({ prometheusUrl: env.PROMETHEUS_URL, alertmanagerUrl: env.ALERTMANAGER_URL }),
      auth: createAuth({
        db,
        secret: env.BETTER_AUTH_SECRET,
        // Without a public URL (local runs on any port) only loopback hosts are accepted.
        baseURL: env.BETTER_AUTH_URL ?? { allowedHosts: LOCAL_HOSTS, protocol: "http" },
        redis,
        redisTag: keys.tag,
        clientIpHeader: trustedClientIpHeader(),
      }),
    };
  }
  return holder.__adclicksDeps;
}
