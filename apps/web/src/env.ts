// The web app's settings, validated once: database and Redis (shared with every process) plus
// the session secret of better-auth.
import { dbEnv } from "@adclicks/db/env";
import { redisEnv } from "@adclicks/live/env";
import { createEnv } from "@t3-oss/env-nextjs";
import { z } from "zod";

// Only for local development and tests: production must set BETTER_AUTH_SECRET (see PARTNER-GUIDE).
const DEV_AUTH_SECRET = "insecure-local-dev-secret-change-me-0123456789";

export const env = createEnv({
  extends: [dbEnv, redisEnv],
  server: {
    BETTER_AUTH_SECRET: z
      .string()
      .min(32, "BETTER_AUTH_SECRET must be at least 32 characters, e.g. `openssl rand -base64 32`")
      .default(DEV_AUTH_SECRET),
    BETTER_AUTH_URL: z
      .url({ error: "BETTER_AUTH_URL must be the public URL of the web app, e.g. https://clicks.example.com" })
      .optional(),
  },
  shared: {
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  },
  client: {},
  experimental__runtimeEnv: { NODE_ENV: process.env.NODE_ENV },
  emptyStringAsUndefined: true,
});

export const usingDevAuthSecret = env.BETTER_AUTH_SECRET === DEV_AUTH_SECRET;
