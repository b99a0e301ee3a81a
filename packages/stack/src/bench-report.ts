// What `npm run bench` found, as one value: the ramp's steps, the recalculation pair, the end
// comparison, memory, CPU and the profile; printed as the bench's tables and written as JSON
// under results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "@adclicks/test-utils";
import type { Comparison } from "./compare";
import type { summarizeCpuProfile } from "./cpu-profile";
import type { GroupUsage } from "./proc-meter";

export interface Step {
  offered: number;
  achieved: number;
  acceptedInStep: number;
  probes: number;
  timedOut: number;
  p50: number;
  p99: number;
  max: number;
  status503: number;
  peakLag: number;
  cpu: Record<string, number>;
  held: boolean;
}

/** A step at one rate without a recalculation, then one during `npm run recalc` of [fromMs, toMs). */
export interface RecalcResult {
  rate: number;
  fromMs: number;
  toMs: number;
  without: Step;
  during: Step;
  exitCode: number | null;
  recalcS: number;
  stepS: number;
}

export interface BenchResult {
  started: number;
  endedAt: number;
  /** The bench's flags; all of them go into the JSON. */
  opts: { "step-s": number; ads: number; partitions: number; "file-rate": number; profile: string };
  yardstick: { line: string; parseMps: number; memoryNs: number };
  steps: Step[];
  peakLag: number;
  drained: boolean;
  drainS: number;
  inRollups: number;
  truthClicks: number;
  probesAccepted: number;
  sampledAds: number;
  comparison: Comparison | undefined;
  recalc: RecalcResult | undefined;
  redisBytes: number;
  pgBytes: number;
  usage: Map<string, GroupUsage>;
  profile: ReturnType<typeof summarizeCpuProfile> | undefined;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** The held step with the highest accepted rate. */
export const bestHeld = (steps: readonly Step[]): Step | undefined =>
  steps.filter((s) => s.held).reduce<Step | undefined>((b, s) => (!b || s.achieved > b.achieved ? s : b), undefined);

/** Every click in the rollups, and the sampled cells through the API equal to the truth. */
export const isExact = (r: BenchResult): boolean =>
  r.drained &&
  r.inRollups === r.truthClicks + r.probesAccepted &&
  r.comparison?.lost === 0 &&
  r.comparison.doubleCounted === 0;

/** Exit 0 only when exact and any recalculation succeeded. */
export const passed = (r: BenchResult): boolean => isExact(r) && (r.recalc === undefined || r.recalc.exitCode === 0);

export function printReport(r: BenchResult): void {
  const wallS = (r.endedAt - r.started) / 1000;
  const totalClicks = r.truthClicks + r.probesAccepted;
  const best = bestHeld(r.steps);
  const c = r.comparison;
  const lines = [
    `\nend-to-end bench (${new Date(r.started).toISOString()}, ${wallS.toFixed(0)} s; ${r.opts["step-s"]} s steps, ${fmt(r.opts.ads)} ads, ${r.opts.partitions} partitions, file source ${fmt(r.opts["file-rate"])}/s via the shipper)`,
    `  ${r.yardstick.line}`,
    "\n  offered/s  accepted/s  fresh p50 ms  p99 ms  max ms  probes  503s  peak lag  held",
    ...r.steps.map(
      (s) =>
        `  ${fmt(s.offered).padStart(9)}  ${fmt(s.achieved).padStart(10)}  ${fmt(s.p50).padStart(12)}  ${fmt(s.p99).padStart(6)}  ${fmt(s.max).padStart(6)}  ${String(s.probes).padStart(6)}  ${String(s.status503).padStart(4)}  ${fmt(s.peakLag).padStart(8)}  ${s.held ? "yes" : "no"}`,
    ),
    `\n  highest rate held a full step: ${best ? `${fmt(best.achieved)} clicks/s accepted (offered ${fmt(best.offered)})` : "none"}`,
    `  peak consumer lag: ${fmt(r.peakLag)} records; drained in ${r.drainS.toFixed(1)} s after the traffic stopped`,
    `  exact: ${isExact(r) ? "yes" : "NO"} — rollups hold ${fmt(r.inRollups)} clicks, truth + probes ${fmt(totalClicks)}; ${c?.cellsCompared ?? 0} (ad, minute, country) cells of ${r.sampledAds} ads through REST: lost ${c?.lost ?? "?"}, double ${c?.doubleCounted ?? "?"}`,
  ];
  if (r.recalc) {
    const x = r.recalc;
    const ratio = x.without.p99 > 0 ? x.during.p99 / x.without.p99 : Number.NaN;
    lines.push(
      `  during a recalculation (${new Date(x.fromMs).toISOString()} … ${new Date(x.toMs).toISOString()}, exit ${x.exitCode}, ${x.recalcS.toFixed(1)} s; the step ${x.stepS.toFixed(1)} s) at ${fmt(x.rate)} clicks/s: freshness p50 ${fmt(x.during.p50)} ms p99 ${fmt(x.during.p99)} ms (${x.during.probes} probes) against p50 ${fmt(x.without.p50)} ms p99 ${fmt(x.without.p99)} ms without: p99 ${ratio.toFixed(2)}× (target ≤ 2×)`,
    );
  }
  lines.push(
    `  Redis used memory ${mb(r.redisBytes)} MB; Postgres grew ${mb(r.pgBytes)} MB = ${mb((r.pgBytes / Math.max(1, totalClicks)) * 1e6)} MB per million clicks (rollups + raw archive + checkpoints)`,
    "\n  process                        CPU s   cores   peak RSS MB",
    ...[...r.usage]
      .sort((a, b) => b[1].cpuS - a[1].cpuS)
      .map(
        ([g, u]) =>
          `  ${g.padEnd(28)} ${u.cpuS.toFixed(1).padStart(7)}  ${(u.cpuS / wallS).toFixed(2).padStart(6)}  ${u.peakRssMb.toFixed(0).padStart(11)}`,
      ),
  );
  if (r.profile) {
    const p = r.profile;
    lines.push(
      `\n  where the ${r.opts.profile}'s time goes (--cpu-prof over ${(p.totalMs / 1000).toFixed(0)} s, busy ${(p.busyShare * 100).toFixed(0)} % of it; self time as a share of the busy time):`,
      ...p.lines.map((l) => `    ${(l.share * 100).toFixed(1).padStart(5)} %  ${l.fn}  ${l.where}`),
    );
  }
  console.log(lines.join("\n"));
}

/** results/bench-<start time>.json; returns its path. */
export function writeResults(r: BenchResult): string {
  const out = join(REPO_ROOT, "results");
  mkdirSync(out, { recursive: true });
  const file = join(out, `bench-${new Date(r.started).toISOString().replace(/[:.]/g, "-")}.json`);
  const { yardstick, usage, started, endedAt, ...rest } = r;
  const json = {
    started: new Date(started).toISOString(),
    yardstick: { parseMps: yardstick.parseMps, memoryNs: yardstick.memoryNs },
    loadavg: loadavg(),
    best: bestHeld(r.steps),
    exact: isExact(r),
    ...rest,
    usage: Object.fromEntries(usage),
  };
  writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}
