// Carries out a claimed run to its end. A reconciliation recounts and stores its mismatches. A
// recalculation goes through phases, each stored before the next starts, so a restart after a
// crash resumes where it stopped: recount → shadow (its cells stored) → swapped (one transaction)
// → refreshed (Redis live windows), and the feed's minutes are marked for republication.
import {
  type ClaimedRun,
  getReconRun,
  type ReconRun,
  readRecalcCorrections,
  storeRecountOutcome,
  swapRecalc,
  updateReconRun,
} from "@adclicks/db";
import { applyDeltas, type Redis, type RedisKeys } from "@adclicks/live";
import type { Logger } from "pino";
import { type RecountDeps, type RecountProgress, recountRange } from "./recount-range";

export interface RunDeps extends RecountDeps {
  redis: Redis;
  keys: RedisKeys;
  log: Logger;
  /** Called as records are recounted (the CLI's progress bar). */
  onProgress?: (p: RecountProgress & { phase: string }) => void;
  /** How often progress is stored on the run (the ops view's indicator). */
  progressEveryMs?: number;
}

/** Postgres' deadlock and serialization failures: the swap is retried. */
const RETRYABLE = new Set(["40P01", "40001"]);

/** Runs it; returns the run as stored at its end. Failures are stored on the run, and rethrown. */
export async function carryOut(deps: RunDeps, claimed: ClaimedRun): Promise<ReconRun> {
  const { run } = claimed;
  const { pool, log } = deps;
  const range = { fromMs: run.fromMs, toMs: run.toMs, adIds: run.adIds ?? undefined };
  try {
    let phase = run.phase;
    if (phase !== "shadow" && phase !== "swapped" && phase !== "refreshed") {
      await updateReconRun(pool, run.id, { phase: "recount", progress: 0, error: "" });
      let stored = 0;
      const every = deps.progressEveryMs ?? 1_000;
      const result = await recountRange(deps, range, (p) => {
        deps.onProgress?.({ ...p, phase: "recount" });
        const now = Date.now();
        if (now - stored < every) return;
        stored = now;
        // Progress is for display: a failed write is logged and the next one tries again.
        updateReconRun(pool, run.id, { progress: p.total > 0 ? p.records / p.total : 1, records: p.records }).catch(
          (err) => log.warn({ err, run: run.id }, "storing progress failed"),
        );
      });
      await storeRecountOutcome(pool, run.id, run.kind, result);
      log.info(
        {
          run: run.id,
          kind: run.kind,
          records: result.records,
          cells: result.cells,
          mismatches: result.mismatches.length,
          stats: result.stats,
        },
        "recount done",
      );
      phase = "shadow";
    }
    if (run.kind === "recalc") {
      if (phase === "shadow") {
        const corrected = await retried(() => swapRecalc(pool, run.id), log);
        log.info({ run: run.id, corrected }, "recalculation swapped into click_rollups");
        phase = "swapped";
      }
      if (phase === "swapped") {
        deps.onProgress?.({ records: 1, total: 1, phase: "refresh" });
        const corrections = await readRecalcCorrections(pool, run.id);
        // Exactly once per run (its own applied field); not ready: Redis is being rebuilt from
        // the rollups, which hold the corrections already.
        const r = corrections.isEmpty
          ? { kind: "applied" }
          : await applyDeltas(
              deps.redis,
              deps.keys,
              `recalc-${run.id}`,
              [{ partition: 0, fromSeq: 1, toSeq: 1 }],
              corrections,
            );
        log.info({ run: run.id, redis: r.kind }, "recalculation applied to the live windows");
        await updateReconRun(pool, run.id, { phase: "refreshed", status: "done" });
      }
    }
  } catch (err) {
    await updateReconRun(pool, run.id, {
      status: "failed",
      error: err instanceof Error ? err.message : String(err),
    }).catch((e) => log.error({ err: e, run: run.id }, "storing the failure failed"));
    throw err;
  } finally {
    await claimed.release();
  }
  const done = await getReconRun(pool, run.id);
  if (!done) throw new Error(`run ${run.id} vanished`);
  return done;
}

async function retried<T>(fn: () => Promise<T>, log: Logger, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || code === undefined || !RETRYABLE.has(code)) throw err;
      log.warn({ err, attempt: i }, "swap transaction conflicted with a checkpoint; retrying");
      await new Promise((r) => setTimeout(r, 50 * i));
    }
  }
}
