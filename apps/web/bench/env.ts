// Settings of the query benchmark (all optional; defaults are the book's scale, bounded to
// finish in a few minutes on two cores).
import { randomBytes } from "node:crypto";
import { dbEnv } from "@adclicks/db/env";
import { redisEnv } from "@adclicks/live/env";
import { z } from "zod";

const int = (name: string, def: number, min = 1) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int()
    .min(min, `${name} must be ≥ ${min}`)
    .default(def);

export const benchEnv = z
  .object({
    BENCH_ADS: int("BENCH_ADS", 2_000_000),
    BENCH_CLICKS_PER_MINUTE: int("BENCH_CLICKS_PER_MINUTE", 600_000),
    BENCH_COUNTRIES: int("BENCH_COUNTRIES", 20),
    /** Raw archive rows (ip / user_id filters); the full 36 M would take too long to load here. */
    BENCH_RAW_ROWS: int("BENCH_RAW_ROWS", 2_000_000),
    BENCH_USERS: int("BENCH_USERS", 400_000),
    /** Clicks per minute of the 25 hours before the last one (long windows); book scale would not load here. */
    BENCH_DAY_CLICKS_PER_MINUTE: int("BENCH_DAY_CLICKS_PER_MINUTE", 10_000),
    BENCH_REQUESTS: int("BENCH_REQUESTS", 400),
    BENCH_CONCURRENCY: int("BENCH_CONCURRENCY", 2),
    BENCH_PORT: int("BENCH_PORT", 3190),
    /**
     * The load generator's HTTP client: `http` (node:http with a keep-alive agent, the default,
     * like wrk or autocannon) or `fetch` (undici: its own GC pauses, 4–10 ms, land in the tail).
     */
    BENCH_CLIENT: z.enum(["fetch", "http"], { error: "BENCH_CLIENT must be fetch or http" }).default("http"),
    /** Measure only the 180- and 1,440-minute windows (no live windows loaded: Postgres answers them anyway). */
    BENCH_LONG_ONLY: z
      .enum(["0", "1"], { error: "BENCH_LONG_ONLY must be 0 or 1" })
      .default("0")
      .transform((v) => v === "1"),
    /**
     * `book`: the day before at the book's rate (BENCH_CLICKS_PER_MINUTE, every hour of it), the
     * long windows only. A day of minute rows at that rate (about half a billion) would not fit
     * this disk, so only the hours the long windows read minutes of get minute rows; every hour
     * has its hourly rows. Implies BENCH_LONG_ONLY=1.
     */
    BENCH_DAY_SCALE: z.enum(["low", "book"], { error: "BENCH_DAY_SCALE must be low or book" }).default("low"),
    /** With BENCH_DAY_SCALE=book: the hourly rows cover windows ending up to this many minutes after the load starts. */
    BENCH_DAY_AHEAD_MINUTES: int("BENCH_DAY_AHEAD_MINUTES", 60),
    /** Reuse the data of a previous run (same database and Redis prefix) instead of reloading. */
    BENCH_SKIP_LOAD: z
      .enum(["0", "1"], { error: "BENCH_SKIP_LOAD must be 0 or 1" })
      .default("0")
      .transform((v) => v === "1"),
  })
  .parse(process.env);

export const BENCH_REDIS_PREFIX = "bench";

/** The bench database: the project database's server, database name adclicks_bench. */
export function benchDatabaseUrl(): string {
  const u = new URL(dbEnv.DATABASE_URL);
  u.pathname = "/adclicks_bench";
  return u.toString();
}

export const redisUrl = redisEnv.REDIS_URL;

/** Environment of the web app under test. */
export function webServerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(benchEnv.BENCH_PORT),
    DATABASE_URL: benchDatabaseUrl(),
    REDIS_PREFIX: BENCH_REDIS_PREFIX,
    NEXT_TELEMETRY_DISABLED: "1",
    // The production server refuses the committed development secret; the bench signs no one in.
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64"),
  };
}
