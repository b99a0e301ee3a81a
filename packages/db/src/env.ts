// Connection settings shared by every process that talks to Postgres or Redis, validated once.
import { createEnv } from "@t3-oss/env-core";
import { databaseUrlEnv, redisEnvSchema } from "./env-schema";

export const dbEnv = createEnv({
  server: {
    DATABASE_URL: databaseUrlEnv,
    ...redisEnvSchema,
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
