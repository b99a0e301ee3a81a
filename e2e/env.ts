// Settings of the browser tests: the port of the web app under test and whether we run on CI.
import { z } from "zod";

export const e2eEnv = z
  .object({
    CI: z
      .string()
      .optional()
      .transform((v) => v !== undefined && v !== "" && v !== "0" && v !== "false"),
    E2E_PORT: z.coerce
      .number({ error: "E2E_PORT must be a TCP port, e.g. 3100" })
      .int()
      .min(1)
      .max(65535)
      .default(3100),
    /**
     * The private Prometheus / Alertmanager the alerting spec starts (ops-alerts.spec.ts), which
     * the web app under test reads; nothing listens there otherwise (the ops view says so), and
     * the web app's own /metrics, which that Prometheus scrapes.
     */
    E2E_PROMETHEUS_PORT: z.coerce.number().int().min(1).max(65535).default(9190),
    E2E_ALERTMANAGER_PORT: z.coerce.number().int().min(1).max(65535).default(9193),
    E2E_WEB_METRICS_PORT: z.coerce.number().int().min(1).max(65535).default(3101),
    /** The session secret of the server under test (which refuses the development one); random if unset. */
    BETTER_AUTH_SECRET: z.string().min(32).optional(),
    /** Set per worktree or CI slot; the e2e prefix is derived from it so parallel runs never share live windows. */
    REDIS_PREFIX: z.string().optional(),
  })
  .parse(process.env);

/** The Redis prefix the web app under test reads, so fixtures never touch the demo's live windows. */
export const E2E_REDIS_PREFIX = `${e2eEnv.REDIS_PREFIX ?? ""}e2e`;
export const E2E_BASE_URL = `http://localhost:${e2eEnv.E2E_PORT}`;
