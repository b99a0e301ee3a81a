// `npm run recalc` of a range as a child process of the bench, on a pipeline's environment,
// logging to a file: what the bench runs to measure freshness during a recalculation.
import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { join } from "node:path";
import { exited, REPO_ROOT } from "@adclicks/test-utils";

export interface RecalcRun {
  pid: number | undefined;
  /** The exit code and the seconds from start to exit. */
  done: Promise<{ code: number | null; seconds: number }>;
}

export function startRecalc(
  env: NodeJS.ProcessEnv,
  range: { fromMs: number; toMs: number },
  logFile: string,
): RecalcRun {
  const t0 = Date.now();
  const proc = spawn(
    process.execPath,
    [
      "--harmony-rab-gsab-transfer",
      "--import",
      "tsx",
      join(REPO_ROOT, "apps/recon/src/recalc-cli.ts"),
      "--from",
      new Date(range.fromMs).toISOString(),
      "--to",
      new Date(range.toMs).toISOString(),
    ],
    { cwd: REPO_ROOT, env, stdio: ["ignore", "ignore", openSync(logFile, "a")] },
  );
  return { pid: proc.pid, done: exited(proc).then((code) => ({ code, seconds: (Date.now() - t0) / 1000 })) };
}
