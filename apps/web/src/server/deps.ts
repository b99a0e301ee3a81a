// Process-wide clients for the route handlers and server components: one Postgres pool, one
// Redis connection, one better-auth instance and the cache of verified partner keys (with its
// Postgres listener for revocations), created on first use (never at build time).
import "server-only";
import { type ApiDeps, type AuthInstance, createAuth } from "@adclicks/api";
import { createDb } from "@adclicks/db/client";
import { createApiKeyCache } from "@adclicks/db/queries";
import { createLiveWindows, createRedis, redisKeys } from "@adclicks/live";
import { env, usingDevAuthSecret } from "~/env";

const LOCAL_HOSTS = ["localhost", "localhost:*", "127.0.0.1", "127.0.0.1:*"];
type WebDeps = ApiDeps & { auth: AuthInstance };
const holder = globalThis as { __adclicksDeps?: WebDeps };

export function getDeps(): WebDeps {
  if (!holder.__adclicksDeps) {
    if (usingDevAuthSecret && env.NODE_ENV === "production") {
      console.warn("BETTER_AUTH_SECRET is not set: using the local development secret (set it in production)");
    }
    const db = createDb(env.DATABASE_URL, 10);
    const redis = createRedis(env.REDIS_URL);
    const keys = redisKeys(env.REDIS_PREFIX);
    holder.__adclicksDeps = {
      db,
      redis,
      redisKeys: keys,
      live: createLiveWindows(redis, keys),
      now: Date.now,
      keyCache: createApiKeyCache({ databaseUrl: env.DATABASE_URL }),
      auth: createAuth({
        db,
        secret: env.BETTER_AUTH_SECRET,
        // Without a public URL (local runs on any port) only loopback hosts are accepted.
        baseURL: env.BETTER_AUTH_URL ?? { allowedHosts: LOCAL_HOSTS, protocol: "http" },
      }),
    };
  }
  return holder.__adclicksDeps;
}
