// Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function, the top N, so a bench
// can say where the busiest process spends its time.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileLine {
  fn: string;
  where: string;
  selfMs: number;
  share: number;
}

/** Shares are of the busy samples: V8's "(idle)" (waiting on I/O) is counted apart. */
export function summarizeCpuProfile(
  path: string,
  top = 15,
): { totalMs: number; busyShare: number; lines: ProfileLine[] } {
  const p = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const totalMs = (p.endTime - p.startTime) / 1000;
  const hits = new Map<number, number>();
  for (const id of p.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const idleIds = new Set(p.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  const idle = (p.samples ?? []).filter((id) => idleIds.has(id)).length;
  const sampleCount = (p.samples?.length ?? 0) - idle;
  const perFn = new Map<string, { fn: string; where: string; hits: number }>();
  for (const n of p.nodes) {
    const h = hits.get(n.id) ?? n.hitCount ?? 0;
    if (h === 0 || idleIds.has(n.id)) continue;
    const fn = n.callFrame.functionName || "(anonymous)";
    const where = n.callFrame.url
      ? `${n.callFrame.url.replace(/^file:\/\//, "").replace(/.*\/node_modules\//, "")}:${n.callFrame.lineNumber + 1}`
      : "";
    const key = `${fn}\t${where}`;
    const e = perFn.get(key) ?? { fn, where, hits: 0 };
    e.hits += h;
    perFn.set(key, e);
  }
  const lines = [...perFn.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map((e) => ({
      fn: e.fn,
      where: e.where.replace(/.*\/(apps|packages)\//, "$1/"),
      selfMs: sampleCount ? (e.hits / sampleCount) * totalMs : 0,
      share: sampleCount ? e.hits / sampleCount : 0,
    }));
  return { totalMs, busyShare: sampleCount / Math.max(1, p.samples?.length ?? 0), lines };
}
