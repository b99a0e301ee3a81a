// CPU time per service on this machine, read from /proc, for benchmarks that share two cores
// with Kafka, Postgres and Redis: "the worker is slow" and "the machine is full" look alike from
// a throughput figure alone.
import { readdirSync, readFileSync } from "node:fs";

/** Which service a process belongs to, or undefined to leave it out. */
export type ProcessClassifier = (pid: number, comm: string, cmdline: string) => string | undefined;

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI Node runs on

function readProcesses(): { pid: number; comm: string; cpuTicks: number }[] {
  const out: { pid: number; comm: string; cpuTicks: number }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      // Fields after the name: state is [0], utime [11], stime [12] (proc(5), 14 and 15 minus 3).
      const cpuTicks = Number(fields[11]) + Number(fields[12]);
      out.push({ pid: Number(name), comm: stat.slice(stat.indexOf("(") + 1, close), cpuTicks });
    } catch {
      // exited while we listed it
    }
  }
  return out;
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/**
 * Starts counting CPU seconds per service; `stop()` returns the seconds each service used since,
 * counting processes that started meanwhile from zero (a process that exits meanwhile is lost).
 */
export function startCpuMeter(classify: ProcessClassifier): { stop(): Map<string, number> } {
  const before = new Map(readProcesses().map((p) => [p.pid, p.cpuTicks]));
  return {
    stop() {
      const used = new Map<string, number>();
      for (const p of readProcesses()) {
        const service = classify(p.pid, p.comm, cmdlineOf(p.pid));
        if (service === undefined) continue;
        const ticks = p.cpuTicks - (before.get(p.pid) ?? 0);
        used.set(service, (used.get(service) ?? 0) + ticks / TICKS_PER_SECOND);
      }
      return used;
    },
  };
}

/** The services of this project's benches: Kafka's JVM, Postgres, Redis, plus named pids. */
export function serviceClassifier(named: Record<string, number | undefined>): ProcessClassifier {
  return (pid, comm, cmdline) => {
    for (const [service, p] of Object.entries(named)) if (p === pid) return service;
    if (comm === "java" && cmdline.includes("kafka.Kafka")) return "kafka";
    if (comm === "postgres" || cmdline.startsWith("postgres:")) return "postgres";
    if (comm === "redis-server") return "redis";
    return undefined;
  };
}
