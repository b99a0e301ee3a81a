// The Postgres connection setting, for the processes that need only it (CLIs, the seed), validated once.
import { createProcessEnv } from "@adclicks/config/env";
import { databaseUrlEnv } from "./env-schema";

export const dbEnv = createProcessEnv({ DATABASE_URL: databaseUrlEnv });
