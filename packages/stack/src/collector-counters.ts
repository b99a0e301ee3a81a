// The collector's counters the end-to-end bench reads from its /metrics: events accepted (into
// ad-clicks, or as dead letters) and 503 answers. A counter the collector does not export fails
// loudly: a rename once made every step of the bench read 0 accepted.

export interface CollectorCounters {
  accepted: number;
  status503: number;
}

/** The counters in a Prometheus text exposition of the collector, summed over their labels. */
export function parseCollectorCounters(text: string): CollectorCounters {
  const sum = (name: string) => {
    if (!text.includes(`# TYPE ${name} counter`)) throw new Error(`the collector exports no counter ${name}`);
    let n = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))) n += Number(m[1]);
    return n;
  };
  const status503 = Number(/^collector_requests_total\{status="503"\} (\S+)$/m.exec(text)?.[1] ?? 0);
  return { accepted: sum("collector_events_produced_total") + sum("collector_events_rejected_total"), status503 };
}

export async function readCollectorCounters(metricsPort: string | number): Promise<CollectorCounters> {
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  return parseCollectorCounters(text);
}
