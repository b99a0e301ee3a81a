"use client";
// Firing and pending alerts from Prometheus (rules: infra/prometheus/alerts.yml), most urgent
// first, with since-when, severity and summary, and an acknowledge action that creates an
// Alertmanager silence for exactly that alert. Says plainly when Prometheus or Alertmanager
// cannot be reached.
import type { RouterOutputs } from "@adclicks/api";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fmtAge, loadingState } from "~/components/format";
import { Panel } from "~/components/panel";
import { useTRPC } from "~/trpc/react";

type OpsAlert = RouterOutputs["ops"]["alerts"]["alerts"][number];

export function AlertsPanel() {
  const trpc = useTRPC();
  const q = useQuery(trpc.ops.alerts.queryOptions(undefined, { refetchInterval: 5_000 }));
  const d = q.data;
  const firing = d?.alerts.filter((a) => a.state === "firing").length ?? 0;
  return (
    <Panel
      title="Alerts"
      testId="ops-alerts"
      state={loadingState(q)}
      actions={
        d?.prometheus.ok && (
          <span className={`badge ${firing > 0 ? "bad" : d.alerts.length > 0 ? "warn" : "good"}`}>
            {d.alerts.length === 0 ? "none" : `${firing} firing, ${d.alerts.length - firing} pending`}
          </span>
        )
      }
    >
      {q.isError && <p className="error">{q.error.message}</p>}
      {d && !d.prometheus.ok && (
        <p className="error-state" role="alert" data-testid="prometheus-unreachable">
          <strong>Prometheus is unreachable: no alerts, history or charts can be shown.</strong> {d.prometheus.message}
        </p>
      )}
      {d && !d.alertmanager.ok && (
        <p className="banner warn" data-testid="alertmanager-unreachable">
          Alertmanager is unreachable: nobody is notified, and alerts cannot be acknowledged. {d.alertmanager.message}
        </p>
      )}
      {d?.prometheus.ok && d.alerts.length === 0 && <p className="muted">No alert is firing or pending.</p>}
      {d && d.alerts.length > 0 && (
        <ul className="alert-list">
          {d.alerts.map((a) => (
            <AlertItem key={`${a.name}${JSON.stringify(a.labels)}`} alert={a} canSilence={d.alertmanager.ok} />
          ))}
        </ul>
      )}
    </Panel>
  );
}

function AlertItem({ alert: a, canSilence }: { alert: OpsAlert; canSilence: boolean }) {
  const [open, setOpen] = useState(false);
  const where = Object.entries(a.labels)
    .filter(([k]) => k !== "instance" && k !== "job")
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return (
    <li
      className={`alert-item ${a.state} ${a.severity}`}
      data-testid="alert-item"
      data-alertname={a.name}
      data-state={a.state}
    >
      <div className="alert-line">
        <span className={`badge ${a.severity === "critical" ? "bad" : "warn"}`}>{a.severity}</span>
        <strong>{a.name}</strong>
        <span className="muted">
          {a.state} since {new Date(a.sinceMs).toISOString().slice(11, 19)} UTC ({fmtAge(Date.now() - a.sinceMs)})
        </span>
        {a.silencedBy.length > 0 ? (
          <span className="badge good" data-testid="alert-silenced">
            acknowledged
          </span>
        ) : (
          canSilence && (
            <button type="button" className="secondary small" onClick={() => setOpen((o) => !o)}>
              Acknowledge
            </button>
          )
        )}
      </div>
      <p className="alert-summary">{a.summary}</p>
      {where && <p className="alert-labels muted">{where}</p>}
      {open && <SilenceForm alert={a} onDone={() => setOpen(false)} />}
    </li>
  );
}

function SilenceForm({ alert: a, onDone }: { alert: OpsAlert; onDone: () => void }) {
  const trpc = useTRPC();
  const client = useQueryClient();
  const [minutes, setMinutes] = useState(60);
  const [comment, setComment] = useState("");
  const silence = useMutation(
    trpc.ops.silence.mutationOptions({
      onSuccess: async () => {
        await client.invalidateQueries({ queryKey: trpc.ops.alerts.queryKey() });
        onDone();
      },
    }),
  );
  return (
    <form
      className="silence-form"
      onSubmit={(e) => {
        e.preventDefault();
        silence.mutate({ alertname: a.name, labels: a.labels, minutes, comment });
      }}
    >
      <label className="field">
        <span>Silence for</span>
        <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
          <option value={30}>30 min</option>
          <option value={60}>1 h</option>
          <option value={240}>4 h</option>
          <option value={1440}>24 h</option>
        </select>
      </label>
      <label className="field grow">
        <span>Comment</span>
        <input
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          placeholder="who is on it, and why"
          required
        />
      </label>
      <button type="submit" disabled={silence.isPending}>
        Silence
      </button>
      {silence.isError && <p className="error">{silence.error.message}</p>}
    </form>
  );
}
