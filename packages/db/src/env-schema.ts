// The DATABASE_URL and Redis schemas alone (no validation runs on import), for processes that
// validate their env their own way (createProcessEnv) but read the database or Redis too.
import { z } from "zod";

/** DATABASE_URL, for processes that validate their env some other way (createProcessEnv). */
export const databaseUrlEnv = z
  .url({
    protocol: /^postgres(ql)?$/,
    error: "DATABASE_URL must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/adclicks",
  })
  .default("postgres://postgres@127.0.0.1:5432/adclicks");

/** REDIS_URL and REDIS_PREFIX, as env.ts declares them, for processes that validate their env their own way. */
export const redisEnvSchema = {
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: "REDIS_URL must be a redis:// URL, e.g. redis://127.0.0.1:6379" })
    .default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, "REDIS_PREFIX: 1-32 of [a-z0-9_-]")
    .default("ac"),
};
