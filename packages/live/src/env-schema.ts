// The Redis settings as a schema alone (no validation runs on import), for the env.ts of each
// process that reads Redis (validated there with createProcessEnv).
import { z } from "zod";

/** REDIS_URL and REDIS_PREFIX. */
export const redisEnvSchema = {
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: "REDIS_URL must be a redis:// URL, e.g. redis://127.0.0.1:6379" })
    .default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, "REDIS_PREFIX: 1-32 of [a-z0-9_-]")
    .default("ac"),
};
