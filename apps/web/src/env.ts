// The web app's settings, validated once: log level, database and Redis (shared with every
// process), the session secret of better-auth, the port, the proxy header trusted for client
// addresses, and the limits of the web's queries and users.
import { createProcessEnv, logLevelEnvSchema, portEnv } from "@adclicks/config/env";
import { databaseUrlEnv } from "@adclicks/db/env-schema";
import { redisEnvSchema } from "@adclicks/live/env-schema";
import { z } from "zod";

// Only for local development and tests: production must set BETTER_AUTH_SECRET (see PARTNER-GUIDE).
const DEV_AUTH_SECRET = "insecure-local-dev-secret-change-me-0123456789";

export const env = createProcessEnv({
  ...logLevelEnvSchema,
  DATABASE_URL: databaseUrlEnv,
  ...redisEnvSchema,
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  BETTER_AUTH_SECRET: z
    .string()
    .min(32, "BETTER_AUTH_SECRET must be at least 32 characters, e.g. `openssl rand -base64 32`")
    .default(DEV_AUTH_SECRET),
  BETTER_AUTH_URL: z
    .url({ error: "BETTER_AUTH_URL must be the public URL of the web app, e.g. https://clicks.example.com" })
    .optional(),
  /** The port the production server listens on (PORT wins, as hosting platforms set it). */
  PORT: z.coerce
    .number({ error: "PORT must be a port number" })
    .int("PORT must be a port number")
    .min(1, "PORT must be a port number")
    .max(65_535, "PORT must be a port number")
    .optional(),
  WEB_PORT: portEnv("WEB_PORT", 3000, { allowZero: false }),
  /** The request metrics' listener (GET /metrics), on loopback unless WEB_METRICS_HOST; 0 turns it off. */
  WEB_METRICS_PORT: portEnv("WEB_METRICS_PORT", 3001),
  WEB_METRICS_HOST: z.string().min(1, "WEB_METRICS_HOST must be a host, e.g. 127.0.0.1").default("127.0.0.1"),
  /** The Prometheus and Alertmanager the ops view reads (through tRPC; the browser never does). */
  PROMETHEUS_URL: z
    .url({ error: "PROMETHEUS_URL must be the URL of Prometheus, e.g. http://127.0.0.1:9090" })
    .default("http://127.0.0.1:9090"),
  ALERTMANAGER_URL: z
    .url({ error: "ALERTMANAGER_URL must be the URL of Alertmanager, e.g. http://127.0.0.1:9093" })
    .default("http://127.0.0.1:9093"),
  /**
   * The header a reverse proxy in front of the app sets to the client's address (e.g.
   * x-forwarded-for or x-real-ip; the last address in it counts). Unset: the app is reached
   * directly, forwarded headers are ignored and the socket's address is the client's.
   */
  TRUSTED_PROXY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "TRUSTED_PROXY_HEADER must be a header name, e.g. x-forwarded-for")
    .transform((v) => v.toLowerCase())
    .optional(),
  /** Postgres cancels a web query running longer than this; the request is answered 503. */
  WEB_STATEMENT_TIMEOUT_MS: z.coerce
    .number({ error: "WEB_STATEMENT_TIMEOUT_MS must be milliseconds, e.g. 5000" })
    .int("WEB_STATEMENT_TIMEOUT_MS must be whole milliseconds, e.g. 5000")
    .min(100, "WEB_STATEMENT_TIMEOUT_MS must be at least 100")
    .default(5_000),
  /** Requests per minute of one signed-in user (partner keys carry their own limits). */
  USER_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ error: "USER_RATE_LIMIT_PER_MINUTE must be a whole number, e.g. 1200" })
    .int("USER_RATE_LIMIT_PER_MINUTE must be a whole number, e.g. 1200")
    .min(1, "USER_RATE_LIMIT_PER_MINUTE must be at least 1")
    .optional(),
});

/**
 * Why the web app must not serve with these settings, or null. Anyone can read the development
 * secret in this repository and sign session cookies with it (an ops session among them).
 */
export function productionAuthSecretProblem(): string | null {
  if (env.NODE_ENV !== "production" || env.BETTER_AUTH_SECRET !== DEV_AUTH_SECRET) return null;
  return (
    "BETTER_AUTH_SECRET is not set: in production the web app refuses the committed development " +
    "secret, with which anyone could sign session cookies. Make one with `openssl rand -base64 32` " +
    "and set BETTER_AUTH_SECRET to it (npm start keeps one in .data/auth-secret)."
  );
}
