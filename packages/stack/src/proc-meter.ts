// CPU seconds and peak RSS per process group of the bench (an app with everything it started,
// the generators, the private servers), from /proc: a process belongs to its nearest ancestor
// that has a name. Sampled, so a process that starts and exits between samples is missed.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on every Linux ABI Node runs on
const PAGE_KB = 4;

interface Proc {
  pid: number;
  ppid: number;
  ticks: number;
  rssKb: number;
}

function readProcs(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // proc(5): state [0], ppid [1], utime [11], stime [12], rss (pages) [21]
      out.set(Number(name), {
        pid: Number(name),
        ppid: Number(f[1]),
        ticks: Number(f[11]) + Number(f[12]),
        rssKb: Number(f[21]) * PAGE_KB,
      });
    } catch {
      // exited while listed
    }
  }
  return out;
}

export interface GroupUsage {
  cpuS: number;
  peakRssMb: number;
}

export interface ProcessMeter {
  /** Usage per named group since the start. */
  usage(): Map<string, GroupUsage>;
  /** Per group, CPU seconds since the last call (for a per-step figure). */
  take(): Map<string, number>;
  stop(): void;
}

/** `names()` gives the current root pids by group name; it is asked at every sample. */
export function startProcessMeter(names: () => Map<number, string>, everyMs = 1_000): ProcessMeter {
  const lastTicks = new Map<number, number>();
  const cpu = new Map<string, number>();
  const taken = new Map<string, number>();
  const peak = new Map<string, number>();
  let first = true;
  const sample = () => {
    const procs = readProcs();
    const named = names();
    const groupOf = (pid: number): string | undefined => {
      for (let p: number | undefined = pid, hops = 0; p && hops < 64; hops++) {
        const n = named.get(p);
        if (n) return n;
        p = procs.get(p)?.ppid;
      }
      return undefined;
    };
    const rss = new Map<string, number>();
    for (const p of procs.values()) {
      const g = groupOf(p.pid);
      if (g === undefined) continue;
      // A process already running at the start counts from there; a later one from zero.
      const dt = p.ticks - (lastTicks.get(p.pid) ?? (first ? p.ticks : 0));
      lastTicks.set(p.pid, p.ticks);
      cpu.set(g, (cpu.get(g) ?? 0) + dt / TICKS_PER_SECOND);
      rss.set(g, (rss.get(g) ?? 0) + p.rssKb);
    }
    for (const [g, kb] of rss) peak.set(g, Math.max(peak.get(g) ?? 0, kb / 1024));
    first = false;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    usage: () =>
      new Map([...cpu].map(([g, s]) => [g, { cpuS: s, peakRssMb: peak.get(g) ?? 0 }] as [string, GroupUsage])),
    take() {
      const out = new Map<string, number>();
      for (const [g, s] of cpu) {
        out.set(g, s - (taken.get(g) ?? 0));
        taken.set(g, s);
      }
      return out;
    },
    stop: () => clearInterval(timer),
  };
}
