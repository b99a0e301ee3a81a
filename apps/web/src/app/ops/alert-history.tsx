"use client";
// The last 24 h of alerts: when each fired and for how long (from Prometheus' ALERTS series).
import { useQuery } from "@tanstack/react-query";
import { fmtAge, loadingState } from "~/components/format";
import { Panel } from "~/components/panel";
import { ScrollRegion } from "~/components/scroll-region";
import { useTRPC } from "~/trpc/react";

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

export function AlertHistory() {
  const trpc = useTRPC();
  const q = useQuery(trpc.ops.alertHistory.queryOptions(undefined, { refetchInterval: 60_000 }));
  const d = q.data;
  return (
    <Panel title="Alert history (24 h)" testId="ops-alert-history" state={loadingState(q)}>
      {q.isError && <p className="error">{q.error.message}</p>}
      {d && !d.prometheus.ok && <p className="muted">No history: Prometheus is unreachable.</p>}
      {d?.prometheus.ok && d.intervals.length === 0 && <p className="muted">No alert fired in the last 24 h.</p>}
      {d && d.intervals.length > 0 && (
        <ScrollRegion label="Alert history">
          <table>
            <thead>
              <tr>
                <th>Alert</th>
                <th>From (UTC)</th>
                <th className="num">For</th>
              </tr>
            </thead>
            <tbody>
              {d.intervals.map((i) => (
                <tr key={`${i.name}${JSON.stringify(i.labels)}${i.fromMs}`}>
                  <td className="wrap">
                    <span className={`badge ${i.severity === "critical" ? "bad" : "warn"}`}>{i.severity}</span> {i.name}
                    <div className="muted small">
                      {Object.entries(i.labels)
                        .filter(([k]) => k !== "job" && k !== "instance")
                        .map(([k, v]) => `${k}=${v}`)
                        .join(" ")}
                    </div>
                  </td>
                  <td>{hhmm(i.fromMs)}</td>
                  <td className="num">{i.toMs === null ? "firing" : fmtAge(i.toMs - i.fromMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </Panel>
  );
}
