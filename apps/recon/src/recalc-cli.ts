// `npm run recalc -- --from ISO --to ISO [--ads a,b]`: recounts the range through the live code
// and swaps the result into click_rollups, the Redis live windows and the counts feed, with a
// progress bar on stderr. Run again after a crash, it resumes the unfinished run of the same
// range; run again after success, it changes nothing.

import { createLogger, stderrDestination } from "@adclicks/config/logger";
import { isoMinute } from "@adclicks/core";
import { claimReconRun, findUnfinishedRecalc, requestReconRun, updateReconRun } from "@adclicks/db";
import { carryOut } from "@adclicks/recon";
import { parseRangeArgs } from "./cli-args";
import { createReconContext } from "./context";
import { loadEnv } from "./env";
import { createProgressBar } from "./progress-bar";

const args = parseRangeArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`recalc: ${args.error}\n`);
  process.exit(2);
}
const env = loadEnv();
// Warnings and errors only by default: progress and the result are on stderr already.
const log = createLogger("recalc", env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL, stderrDestination());
const ctx = await createReconContext(env, log);
const bar = createProgressBar();
let code = 2;

/**
 * Claims the run, waiting a little for its lock: a process killed a moment ago holds it until
 * Postgres has noticed its connection closed.
 */
async function claimWhenFree(id: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const claimed = await claimReconRun(ctx.deps.pool, ctx.owner, id);
    if (claimed || Date.now() > deadline) return claimed;
    await new Promise((r) => setTimeout(r, 250));
  }
}

try {
  const pool = ctx.deps.pool;
  const unfinished = await findUnfinishedRecalc(pool, args.range);
  let claimed = unfinished === undefined ? undefined : await claimWhenFree(unfinished);
  if (unfinished !== undefined && !claimed)
    throw new Error(`recalculation run ${unfinished} of this range is running in another process`);
  if (claimed)
    process.stderr.write(`resuming recalculation run ${claimed.run.id} (phase ${claimed.run.phase ?? "-"})\n`);
  else {
    const id = await requestReconRun(pool, { kind: "recalc", trigger: "cli", ...args.range });
    claimed = id === undefined ? undefined : await claimReconRun(pool, ctx.owner, id);
    if (!claimed) {
      const error = "another recalculation is running: one at a time";
      if (id !== undefined) await updateReconRun(pool, id, { status: "failed", error });
      throw new Error(error);
    }
    process.stderr.write(
      `recalculation run ${claimed.run.id}: ${isoMinute(args.range.fromMs)} → ${isoMinute(args.range.toMs)}\n`,
    );
  }
  const run = await carryOut({ ...ctx.deps, onProgress: (p) => bar(p.phase, p.records, p.total) }, claimed);
  process.stderr.write(
    `${run.records ?? 0} records recounted, ${run.mismatches ?? 0} cells differed, ${run.corrected ?? 0} corrected\n`,
  );
  code = 0;
} catch (err) {
  log.error({ err }, "recalculation failed");
  process.stderr.write(`recalc: ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  await ctx.close();
}
process.exit(code);
