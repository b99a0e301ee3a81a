// `npm run reconcile -- --from ISO --to ISO [--ads a,b]`: recounts the range, prints each
// mismatch (ad, minute, country, expected, actual) on stdout, progress on stderr, and exits like
// diff: 0 clean, 1 mismatches, 2 trouble.

import { createLogger, stderrDestination } from "@adclicks/config/logger";
import { isoMinute } from "@adclicks/core";
import { claimReconRun, listReconMismatches, requestReconRun } from "@adclicks/db";
import { carryOut } from "@adclicks/recon";
import { parseRangeArgs } from "./cli-args";
import { createReconContext } from "./context";
import { loadEnv } from "./env";
import { createProgressBar } from "./progress-bar";

const args = parseRangeArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`reconcile: ${args.error}\n`);
  process.exit(2);
}
const env = loadEnv();
// Warnings and errors only by default: progress and the result are on stderr already.
const log = createLogger("reconcile", env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL, stderrDestination());
const ctx = await createReconContext(env, log);
const bar = createProgressBar();
let code = 2;
try {
  const id = await requestReconRun(ctx.deps.pool, { kind: "reconcile", trigger: "cli", ...args.range });
  const claimed = id === undefined ? undefined : await claimReconRun(ctx.deps.pool, ctx.owner, id);
  if (!claimed) throw new Error("could not claim the run just requested");
  process.stderr.write(
    `reconciliation run ${claimed.run.id}: ${isoMinute(args.range.fromMs)} → ${isoMinute(args.range.toMs)}\n`,
  );
  const run = await carryOut({ ...ctx.deps, onProgress: (p) => bar(p.phase, p.records, p.total) }, claimed);
  const mismatches = await listReconMismatches(ctx.deps.pool, run.id, Number.MAX_SAFE_INTEGER);
  if (mismatches.length > 0) process.stdout.write("ad_id\tminute\tcountry\texpected\tactual\n");
  for (const m of mismatches)
    process.stdout.write(`${m.adId}\t${isoMinute(m.minute)}\t${m.country}\t${m.expected}\t${m.actual}\n`);
  process.stderr.write(
    `${run.records ?? 0} records recounted, ${run.cells ?? 0} cells, ${mismatches.length} mismatch${mismatches.length === 1 ? "" : "es"}\n`,
  );
  code = mismatches.length > 0 ? 1 : 0;
} catch (err) {
  log.error({ err }, "reconciliation failed");
  process.stderr.write(`reconcile: ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  await ctx.close();
}
process.exit(code);
