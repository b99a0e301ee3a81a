"use client";
// Finality and the state around it, from Postgres and the Redis meta: the newest minute with
// data, up to when every minute is final, the live windows, the outbox, late clicks, clicks on
// ads missing from the catalog, and the recent minutes with when each became final.
import type { RouterOutputs } from "@adclicks/api";
import { useQuery } from "@tanstack/react-query";
import { fmtInt, fmtTime, loadingState } from "~/components/format";
import { Panel } from "~/components/panel";
import { ScrollRegion } from "~/components/scroll-region";
import { useTRPC } from "~/trpc/react";

type PipelineHealth = RouterOutputs["ops"]["health"];
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function FinalityPanel() {
  const trpc = useTRPC();
  const q = useQuery(trpc.ops.health.queryOptions(undefined, { refetchInterval: 5_000 }));
  const h = q.data;
  return (
    <Panel title="Finality" testId="ops-finality" state={loadingState(q)}>
      {q.isError && <p className="error">{q.error.message}</p>}
      {h && (
        <>
          <div className="kpis ops-kpis">
            <Kpi label="Newest minute with data" value={fmtTime(iso(h.headMs))} />
            <Kpi label="Complete up to (as of)" value={fmtTime(iso(h.asOfMs))} />
            <Kpi
              label="Redis windows"
              value={
                <span className={`badge ${h.live.ready ? "good" : "warn"}`}>
                  {h.live.ready ? "ready" : "not ready"}
                </span>
              }
            />
            <Kpi label="Outbox backlog" value={fmtInt(h.outbox.pending)} />
            <Kpi label="Late clicks, last hour" value={fmtInt(h.lateEvents.lastHour.clicks)} />
            <CatalogMisses misses={h.catalogMisses} />
          </div>
          <ScrollRegion label="Minute finality" testId="ops-minutes">
            <table>
              <thead>
                <tr>
                  <th>Minute (UTC)</th>
                  <th>Final at</th>
                  <th className="num">Late clicks</th>
                </tr>
              </thead>
              <tbody>
                {h.minutes.map((m) => (
                  <tr key={m.minuteMs}>
                    <td>{fmtTime(iso(m.minuteMs))}</td>
                    <td>
                      {m.finalAtMs === null ? (
                        <span className="badge warn">open</span>
                      ) : (
                        <span className="badge good">{new Date(m.finalAtMs).toISOString().slice(11, 19)}</span>
                      )}
                    </td>
                    <td className="num">{fmtInt(m.lateClicks)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {h.minutes.length === 0 && <p className="muted">No minute has been tracked yet.</p>}
          </ScrollRegion>
        </>
      )}
    </Panel>
  );
}

function Kpi({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div className="kpi">
      <div className="label">{label}</div>
      {/* Dates and badges, not big numbers: smaller than the dashboard's KPI figures. */}
      <div className="value" style={{ fontSize: "1.15rem" }}>
        {value}
      </div>
    </div>
  );
}

/** Clicks counted on ads the catalog does not know (yet): billing keeps them, ops should see them. */
function CatalogMisses({ misses }: { misses: PipelineHealth["catalogMisses"] }) {
  const top = misses.top.map((t) => `${t.adId} (${fmtInt(t.clicks)})`).join(", ");
  return (
    <div className="kpi" data-testid="ops-catalog-misses">
      <div className="label">Clicks on ads not in the catalog, last {misses.windowMinutes} min</div>
      <div className="value" style={{ fontSize: "1.15rem" }}>
        {fmtInt(misses.clicks)}
      </div>
      <div className="sub">
        {misses.throughMs === null
          ? "no final minute tallied yet"
          : `${fmtInt(misses.ads)} ad${misses.ads === 1 ? "" : "s"}${top ? `: ${top}` : ""}`}
      </div>
    </div>
  );
}
