// The Postgres connection setting shared by every process that talks to Postgres, validated once.
import { createEnv } from "@t3-oss/env-core";
import { databaseUrlEnv } from "./env-schema";

export const dbEnv = createEnv({
  server: {
    DATABASE_URL: databaseUrlEnv,
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
