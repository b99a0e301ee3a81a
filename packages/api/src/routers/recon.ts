// The reconciliation domain (ops role only): runs and their mismatches, requesting a
// reconciliation or a recalculation (carried out by the recon worker, which polls for requested
// runs), and a run's progress.

import type { Db } from "@adclicks/db/client";
import {
  getReconRun,
  getVerifiedThrough,
  listReconMismatches,
  listReconRuns,
  type ReconKind,
  type ReconRun,
  requestReconRun,
} from "@adclicks/db/reconciliation";
import { TRPCError, type TRPCRouterRecord } from "@trpc/server";
import type { z } from "zod";
import { isoOrNull, isoTime } from "../schemas/query-params";
import { listRunsInput, reconRangeInput, runIdInput } from "../schemas/recon";
import { opsProcedure } from "../trpc";

const runOut = (r: ReconRun) => ({
  id: r.id,
  kind: r.kind,
  trigger: r.trigger,
  from: isoTime(r.fromMs),
  to: isoTime(r.toMs),
  ad_ids: r.adIds,
  status: r.status,
  phase: r.phase,
  progress: r.progress,
  records: r.records,
  mismatches: r.mismatches,
  corrected: r.corrected,
  error: r.error,
  requested_at: isoTime(r.requestedAt),
  finished_at: isoOrNull(r.finishedAt),
});

/** A run for the recon worker to carry out (it polls for requested runs). */
async function request(db: Db, kind: ReconKind, input: z.infer<typeof reconRangeInput>) {
  const id = await requestReconRun(db.$client, {
    kind,
    trigger: "ops",
    fromMs: input.from,
    toMs: input.to,
    adIds: input.ad_ids,
  });
  return { run_id: id ?? null };
}

export const reconRouter = {
  runs: opsProcedure.input(listRunsInput).query(async ({ ctx, input }) => {
    const pool = ctx.db.$client;
    const [runs, verified] = await Promise.all([listReconRuns(pool, input.limit), getVerifiedThrough(pool)]);
    return { verified_through: isoOrNull(verified), runs: runs.map(runOut) };
  }),

  run: opsProcedure.input(runIdInput).query(async ({ ctx, input }) => {
    const pool = ctx.db.$client;
    const run = await getReconRun(pool, input.run_id);
    if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `run_id: no run ${input.run_id}` });
    const mismatches = await listReconMismatches(pool, run.id, 500);
    return {
      run: runOut(run),
      mismatches: mismatches.map((m) => ({
        ad_id: m.adId,
        minute: isoTime(m.minute),
        country: m.country,
        expected: m.expected,
        actual: m.actual,
        difference: m.expected - m.actual,
      })),
    };
  }),

  startReconcile: opsProcedure.input(reconRangeInput).mutation(({ ctx, input }) => request(ctx.db, "reconcile", input)),

  startRecalc: opsProcedure.input(reconRangeInput).mutation(({ ctx, input }) => request(ctx.db, "recalc", input)),
} satisfies TRPCRouterRecord;
