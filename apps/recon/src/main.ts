// The recon worker (`npm start` runs it): requests the scheduled reconciliations (each closed
// hour, each closed day), carries out requested runs one at a time (the schedule's, the ops
// view's; and runs whose process died, resumed), and serves /metrics and /healthz.
import { createServer } from "node:http";
import { createLogger } from "@adclicks/config/logger";
import { claimReconRun, requestReconRun } from "@adclicks/db";
import { carryOut, dueRanges } from "@adclicks/recon";
import { createReconContext } from "./context";
import { loadEnv } from "./env";
import { createReconMetrics } from "./metrics";

const env = loadEnv();
const log = createLogger("recon", env.LOG_LEVEL);
const ctx = await createReconContext(env, log);
const { pool } = ctx.deps;
const metrics = createReconMetrics(pool);

const server = createServer(async (req, res) => {
  if (req.url === "/metrics") {
    try {
      const body = await metrics.registry.metrics();
      res.setHeader("content-type", metrics.registry.contentType);
      res.end(body);
    } catch (err) {
      log.warn({ err }, "collecting metrics failed");
      res.statusCode = 503;
      res.end("metrics unavailable: Postgres did not answer\n");
    }
  } else if (req.url === "/healthz") res.end("ok\n");
  else {
    res.statusCode = 404;
    res.end("not found: try /metrics or /healthz\n");
  }
});
if (env.RECON_METRICS_PORT > 0) {
  server.on("error", (err) => log.warn({ err }, "metrics server unavailable"));
  server.listen(env.RECON_METRICS_PORT, "127.0.0.1");
}

let stopping = false;
async function tick(): Promise<void> {
  for (const r of dueRanges(Date.now(), {
    hourly: env.RECON_HOURLY,
    daily: env.RECON_DAILY,
    settleMs: env.RECON_SETTLE_MS,
  })) {
    const id = await requestReconRun(pool, { kind: "reconcile", ...r });
    if (id !== undefined)
      log.info({ run: id, trigger: r.trigger, from: new Date(r.fromMs) }, "scheduled reconciliation");
  }
  while (!stopping) {
    const claimed = await claimReconRun(pool, ctx.owner);
    if (!claimed) return;
    const { kind, id } = claimed.run;
    try {
      const run = await carryOut(ctx.deps, claimed);
      metrics.runs.inc({ kind, result: (run.mismatches ?? 0) > 0 ? "mismatches" : "clean" });
      log.info({ run: id, kind, mismatches: run.mismatches, corrected: run.corrected }, "run done");
    } catch (err) {
      metrics.runs.inc({ kind, result: "failed" });
      log.error({ err, run: id, kind }, "run failed");
    }
  }
}

let timer: NodeJS.Timeout | undefined;
let current: Promise<void> = Promise.resolve();
const loop = () => {
  current = tick()
    .catch((err) => log.error({ err }, "recon tick failed; retrying at the next"))
    .finally(() => {
      if (!stopping) timer = setTimeout(loop, env.RECON_POLL_MS);
    });
};
loop();
log.info({ port: env.RECON_METRICS_PORT, group: env.AGGREGATOR_GROUP }, "recon worker started");

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping after the run in progress");
  clearTimeout(timer);
  await current;
  server.close();
  await ctx.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
