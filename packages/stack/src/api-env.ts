// The stack's API server's environment, validated once at start-up.

import { createProcessEnv, logLevelEnvSchema, portEnv } from "@adclicks/config/env";
import { databaseUrlEnv } from "@adclicks/db/env-schema";
import { redisEnvSchema } from "@adclicks/live/env-schema";

export const apiEnv = createProcessEnv({
  DATABASE_URL: databaseUrlEnv,
  ...redisEnvSchema,
  ...logLevelEnvSchema,
  API_PORT: portEnv("API_PORT", 4300, { allowZero: false }),
});
