// The DATABASE_URL schema alone (no validation runs on import), for the env.ts of each process
// that reads the database (validated there with createProcessEnv).
import { z } from "zod";

/** DATABASE_URL, composed into an env.ts validated with createProcessEnv. */
export const databaseUrlEnv = z
  .url({
    protocol: /^postgres(ql)?$/,
    error: "DATABASE_URL must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/adclicks",
  })
  .default("postgres://postgres@127.0.0.1:5432/adclicks");
