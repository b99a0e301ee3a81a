// Redis settings shared by every process that reads or writes the live windows, validated once.
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const redisEnv = createEnv({
  server: {
    REDIS_URL: z
      .url({ protocol: /^rediss?$/, error: "REDIS_URL must be a redis:// URL, e.g. redis://127.0.0.1:6379" })
      .default("redis://127.0.0.1:6379"),
    REDIS_PREFIX: z
      .string()
      .regex(/^[a-z0-9_-]{1,32}$/, "REDIS_PREFIX: 1-32 of [a-z0-9_-]")
      .default("ac"),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
