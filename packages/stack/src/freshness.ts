// Freshness probes: clicks of ads of their own sent to the collector one at a time, each timed
// from the collector's 202 until the REST API's aggregated_count for that ad and minute
// includes it (polled). An ad of its own makes "includes it" unambiguous: the count becomes 1.
import { randomUUID } from "node:crypto";
import { MINUTE_MS } from "@adclicks/core";
import { type ApiClient, aggregatedCount } from "./compare";

export interface ProbeResult {
  sentAtMs: number;
  /** 202 → visible, ms; undefined if not visible within the timeout. */
  freshMs: number | undefined;
}

export interface Prober {
  /** Probes whose 202 came in since the last call, once each is visible or timed out. */
  drain(): Promise<ProbeResult[]>;
  /** Probes the collector accepted (valid clicks the pipeline counts besides the generators'). */
  readonly accepted: number;
  /** Collector answers other than 202 to a probe (503 when overloaded). */
  readonly refusals: Map<number, number>;
  stop(): Promise<void>;
}

export function startProber(
  collectorUrl: string,
  api: ApiClient,
  opts: { everyMs: number; pollMs?: number; timeoutMs?: number; tag: string },
): Prober {
  const pollMs = opts.pollMs ?? 100;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let n = 0;
  let accepted = 0;
  const refusals = new Map<number, number>();
  let pending: Promise<ProbeResult | undefined>[] = [];
  const probe = async (): Promise<ProbeResult | undefined> => {
    const adId = `probe-${opts.tag}-${++n}`;
    const ts = Date.now();
    const line = JSON.stringify({
      event_id: randomUUID(),
      ad_id: adId,
      click_timestamp: ts,
      user_id: `probe-user-${n}`,
      ip: "192.0.2.1",
      country: "US",
    });
    let res: Response;
    try {
      res = await fetch(collectorUrl, {
        method: "POST",
        body: `${line}\n`,
        headers: { "content-type": "application/x-ndjson" },
      });
      await res.arrayBuffer();
    } catch {
      refusals.set(0, (refusals.get(0) ?? 0) + 1);
      return undefined;
    }
    if (res.status !== 202) {
      refusals.set(res.status, (refusals.get(res.status) ?? 0) + 1);
      return undefined;
    }
    accepted++;
    const sentAtMs = Date.now();
    const minute = ts - (ts % MINUTE_MS);
    while (Date.now() - sentAtMs < timeoutMs) {
      const c = await aggregatedCount(api, adId, minute, minute + MINUTE_MS).catch(() => 0);
      if (c >= 1) return { sentAtMs, freshMs: Date.now() - sentAtMs };
      await new Promise((r) => setTimeout(r, pollMs));
    }
    return { sentAtMs, freshMs: undefined };
  };
  const timer = setInterval(() => pending.push(probe()), opts.everyMs);
  return {
    async drain() {
      const batch = pending;
      pending = [];
      return (await Promise.all(batch)).filter((r): r is ProbeResult => r !== undefined);
    },
    get accepted() {
      return accepted;
    },
    refusals,
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

/** p-th percentile (0-100) of values, nearest rank; timeouts (undefined) count as +Infinity. */
export function percentile(values: (number | undefined)[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.map((v) => v ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
