// Runs the traffic generator (apps/generator) as a child process against a pipeline's collector,
// as an ad server would send (batches over HTTP, retrying what was not acknowledged), and reads
// the ground truth it writes when it stops.
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GroundTruth, type GroundTruthFile } from "@adclicks/generator";
import { exited, REPO_ROOT } from "@adclicks/test-utils";

export interface TrafficOptions {
  rate: number;
  ads: number;
  seed: string;
  batch?: number;
  concurrency?: number;
  /** Extra generator flags (e.g. --duration, --total). */
  extra?: string[];
}

/** The book's traffic shape at small scale: Zipf ads, 20 countries, duplicates, late, malformed. */
export const TRAFFIC_FLAGS = ["--zipf", "1.0", "--duplicates", "0.03", "--late", "0.02", "--late-max-s", "90"];

export interface GeneratorRun {
  proc: ChildProcess;
  /** SIGTERM (the generator finishes the batches in flight), then the ground truth. */
  finish(): Promise<GroundTruth>;
  /** Resolves when the generator exits on its own (with --total or --duration). */
  done(): Promise<GroundTruth>;
}

export function startGenerator(
  collectorUrl: string,
  dir: string,
  label: string,
  opts: TrafficOptions,
  env: NodeJS.ProcessEnv = process.env,
): GeneratorRun {
  const truthPath = join(dir, `${label}-truth.json`);
  const log = openSync(join(dir, `${label}-generator.log`), "a");
  const proc = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(REPO_ROOT, "apps/generator/src/main.ts"),
      "--target",
      "http",
      "--url",
      collectorUrl,
      "--rate",
      String(opts.rate),
      "--batch",
      String(opts.batch ?? 100),
      "--concurrency",
      String(opts.concurrency ?? 4),
      "--ads",
      String(opts.ads),
      "--users",
      "20000",
      "--malformed",
      "0.01",
      "--seed",
      opts.seed,
      "--truth",
      truthPath,
      ...TRAFFIC_FLAGS,
      ...(opts.extra ?? []),
    ],
    { cwd: REPO_ROOT, env: { ...env, LOG_LEVEL: "warn" }, stdio: ["ignore", log, log] },
  );
  const read = async () => {
    const code = await exited(proc);
    if (code !== 0) throw new Error(`the generator exited with ${code}: see ${join(dir, `${label}-generator.log`)}`);
    return GroundTruth.fromJSON(JSON.parse(readFileSync(truthPath, "utf8")) as GroundTruthFile);
  };
  return {
    proc,
    finish() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      return read();
    },
    done: read,
  };
}
