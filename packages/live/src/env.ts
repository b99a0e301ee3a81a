// Redis settings shared by every process that reads or writes the live windows, validated once.
import { createEnv } from "@t3-oss/env-core";
import { redisEnvSchema } from "./env-schema";

export const redisEnv = createEnv({
  server: redisEnvSchema,
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
