// The DATABASE_URL schema alone (no validation runs on import), for processes that
// validate their env their own way (createProcessEnv) but read the database too.
import { z } from "zod";

/** DATABASE_URL, for processes that validate their env some other way (createProcessEnv). */
export const databaseUrlEnv = z
  .url({
    protocol: /^postgres(ql)?$/,
    error: "DATABASE_URL must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/adclicks",
  })
  .default("postgres://postgres@127.0.0.1:5432/adclicks");
