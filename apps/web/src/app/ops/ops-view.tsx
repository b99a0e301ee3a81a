"use client";
// Pipeline health, refreshed every few seconds: checkpoints per partition (age, offsets, event
// lag), the Redis outbox, live-window state, minute finality, late events, dead letters and the
// clicks on ads missing from the catalog.
import type { RouterOutputs } from "@adclicks/api";
import { useQuery } from "@tanstack/react-query";
import { fmtAge, fmtInt, fmtTime, loadingState } from "~/components/format";
import { useTRPC } from "~/trpc/react";

type PipelineHealthOutput = RouterOutputs["ops"]["health"];

// Alert thresholds: a partition that has not checkpointed for 30 s is stuck (the aggregator
// commits every few seconds); event time two minutes behind the clock means consumer lag.
const CHECKPOINT_AGE_ALERT_MS = 30_000;
const EVENT_LAG_ALERT_MS = 120_000;
const OUTBOX_ALERT = 100;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function OpsView() {
  const trpc = useTRPC();
  const health = useQuery(trpc.ops.health.queryOptions(undefined, { refetchInterval: 5_000 }));
  const h = health.data;
  const alerts: string[] = [];
  if (h) {
    const stuck = h.checkpoints.filter((c) => c.checkpointAgeMs > CHECKPOINT_AGE_ALERT_MS);
    if (stuck.length > 0) alerts.push(`${stuck.length} partition(s) without a checkpoint for over 30 s`);
    const lagging = h.checkpoints.filter((c) => c.eventLagMs > EVENT_LAG_ALERT_MS);
    if (lagging.length > 0) alerts.push(`${lagging.length} partition(s) more than 2 min behind in event time`);
    if (h.outbox.pending > OUTBOX_ALERT) alerts.push(`${h.outbox.pending} checkpoints not yet applied to Redis`);
    if (!h.live.ready) alerts.push("Redis live windows not ready: queries fall back to Postgres");
  }
  return (
    <div data-testid="ops-view" data-loading-state={loadingState(health)}>
      {health.isError && <p className="error">{health.error.message}</p>}
      {h && (
        <>
          <div className="kpis">
            <div className="kpi">
              <div className="label">Newest minute with data</div>
              <div className="value">{fmtTime(iso(h.headMs))}</div>
            </div>
            <div className="kpi">
              <div className="label">Complete up to (as of)</div>
              <div className="value">{fmtTime(iso(h.asOfMs))}</div>
            </div>
            <div className="kpi">
              <div className="label">Redis windows</div>
              <div className="value">
                <span className={`badge ${h.live.ready ? "good" : "warn"}`}>
                  {h.live.ready ? "ready" : "not ready"}
                </span>
              </div>
            </div>
            <div className="kpi">
              <div className="label">Outbox backlog</div>
              <div className="value">{fmtInt(h.outbox.pending)}</div>
            </div>
            <div className="kpi">
              <div className="label">Late clicks, last hour</div>
              <div className="value">{fmtInt(h.lateEvents.lastHour.clicks)}</div>
            </div>
            <CatalogMisses misses={h.catalogMisses} />
          </div>

          <section className="panel" data-testid="ops-alerts">
            <h2>Alerts</h2>
            {alerts.length === 0 ? (
              <span className="badge good">none</span>
            ) : (
              <ul>
                {alerts.map((a) => (
                  <li key={a} className="error">
                    {a}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <div className="grid">
            <section className="panel" data-testid="ops-checkpoints">
              <h2>Checkpoints per partition</h2>
              {h.checkpoints.length === 0 ? (
                <p className="muted">No consumer has checkpointed yet.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Consumer</th>
                      <th className="num">Partition</th>
                      <th className="num">Next offset</th>
                      <th className="num">Checkpoint age</th>
                      <th className="num">Event-time lag</th>
                    </tr>
                  </thead>
                  <tbody>
                    {h.checkpoints.map((c) => (
                      <tr key={`${c.consumer}-${c.topic}-${c.partition}`}>
                        <td>{c.consumer}</td>
                        <td className="num">{c.partition}</td>
                        <td className="num">{fmtInt(c.nextOffset)}</td>
                        <td className={`num ${c.checkpointAgeMs > CHECKPOINT_AGE_ALERT_MS ? "error" : ""}`}>
                          {fmtAge(c.checkpointAgeMs)}
                        </td>
                        <td className={`num ${c.eventLagMs > EVENT_LAG_ALERT_MS ? "error" : ""}`}>
                          {fmtAge(c.eventLagMs)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>

            <section className="panel" data-testid="ops-minutes">
              <h2>Minute finality</h2>
              {h.minutes.length === 0 && <p className="muted">No minute has been tracked yet.</p>}
              <table>
                <thead>
                  <tr>
                    <th>Minute</th>
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
            </section>

            <section className="panel" data-testid="ops-dead-letters">
              <h2>Dead letters by reason (24 h)</h2>
              {h.deadLetters.length === 0 ? (
                <p className="muted">None.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Reason</th>
                      <th className="num">Count</th>
                      <th>Last seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {h.deadLetters.map((d) => (
                      <tr key={d.reason}>
                        <td>{d.reason}</td>
                        <td className="num">{fmtInt(d.count)}</td>
                        <td>{fmtTime(iso(d.lastSeenMs))}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>

            <section className="panel" data-testid="ops-late">
              <h2>Late events (recent)</h2>
              {h.lateEvents.recent.length === 0 ? (
                <p className="muted">None.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Ad</th>
                      <th>Minute</th>
                      <th>Country</th>
                      <th className="num">Clicks</th>
                      <th>Recorded</th>
                    </tr>
                  </thead>
                  <tbody>
                    {h.lateEvents.recent.map((l) => (
                      <tr key={`${l.adId}-${l.minuteMs}-${l.country}-${l.recordedAtMs}`}>
                        <td>{l.adId}</td>
                        <td>{fmtTime(iso(l.minuteMs))}</td>
                        <td>{l.country}</td>
                        <td className="num">{fmtInt(l.clicks)}</td>
                        <td>{fmtTime(iso(l.recordedAtMs))}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </div>
        </>
      )}
    </div>
  );
}

/** Clicks counted on ads the catalog does not know (yet): billing keeps them, ops should see them. */
function CatalogMisses({ misses }: { misses: PipelineHealthOutput["catalogMisses"] }) {
  const top = misses.top.map((t) => `${t.adId} (${fmtInt(t.clicks)})`).join(", ");
  return (
    <div className="kpi" data-testid="ops-catalog-misses">
      <div className="label">Clicks on ads not in the catalog, last {misses.windowMinutes} min</div>
      <div className="value">{fmtInt(misses.clicks)}</div>
      <div className="muted">
        {misses.throughMs === null
          ? "no final minute tallied yet"
          : `${fmtInt(misses.ads)} ad${misses.ads === 1 ? "" : "s"}${top ? `: ${top}` : ""}`}
      </div>
    </div>
  );
}
