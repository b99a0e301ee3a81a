"use client";
// Reconciliation on the ops view: the runs (scheduled, CLI, requested here) with their progress
// and mismatches, and a form to request a reconciliation or a recalculation of a range (the recon
// worker carries it out). Times are entered and shown in UTC.
import type { RouterOutputs } from "@adclicks/api";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fmtDateTime, fmtInt, fmtRange, fmtTime, loadingState } from "~/components/format";
import { ScrollRegion } from "~/components/scroll-region";
import { useTRPC } from "~/trpc/react";

type Run = RouterOutputs["recon"]["runs"]["runs"][number];

/** A `datetime-local` value read as UTC, as the ISO-8601 the API takes. */
const utcIso = (local: string) => (local ? `${local.length === 16 ? `${local}:00` : local}Z` : "");

function RunStatus({ run }: { run: Run }) {
  if (run.status === "running" || run.status === "requested")
    return (
      <span data-testid="recon-progress">
        {run.status === "requested" ? "requested" : (run.phase ?? "running")}{" "}
        <progress max={1} value={run.progress} aria-label={`run ${run.id} progress`} /> {Math.round(run.progress * 100)}
        %
      </span>
    );
  if (run.status === "failed")
    return (
      <span className="badge bad" title={run.error ?? ""}>
        failed
      </span>
    );
  return (
    <span className={`badge ${(run.mismatches ?? 0) > 0 && run.kind === "reconcile" ? "bad" : "good"}`}>
      {run.kind === "recalc" ? `${fmtInt(run.corrected ?? 0)} corrected` : `${fmtInt(run.mismatches ?? 0)} mismatches`}
    </span>
  );
}

function Mismatches({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.recon.run.queryOptions({ run_id: runId }));
  if (!q.data) return <p className="muted">{q.isError ? q.error.message : "loading…"}</p>;
  if (q.data.mismatches.length === 0) return <p className="muted">No mismatches.</p>;
  return (
    <ScrollRegion label={`Mismatches of run ${runId}`}>
      <table data-testid="recon-mismatches">
        <thead>
          <tr>
            <th scope="col">Ad</th>
            <th scope="col">Minute</th>
            <th scope="col">Country</th>
            <th scope="col" className="num">
              Expected
            </th>
            <th scope="col" className="num">
              Actual
            </th>
            <th scope="col" className="num">
              Difference
            </th>
          </tr>
        </thead>
        <tbody>
          {q.data.mismatches.map((m) => (
            <tr key={`${m.ad_id}|${m.minute}|${m.country}`}>
              <td>{m.ad_id}</td>
              <td>{fmtDateTime(m.minute, "UTC")}</td>
              <td>{m.country}</td>
              <td className="num">{fmtInt(m.expected)}</td>
              <td className="num">{fmtInt(m.actual)}</td>
              <td className="num">{m.difference > 0 ? `+${fmtInt(m.difference)}` : fmtInt(m.difference)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

export function ReconciliationPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runs = useQuery(trpc.recon.runs.queryOptions({ limit: 20 }, { refetchInterval: 3_000 }));
  const [open, setOpen] = useState<number | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.recon.runs.queryKey() });
  const reconcile = useMutation(trpc.recon.startReconcile.mutationOptions({ onSuccess: () => void refresh() }));
  const recalc = useMutation(trpc.recon.startRecalc.mutationOptions({ onSuccess: () => void refresh() }));
  const error = reconcile.error ?? recalc.error;
  return (
    <section className="panel" data-testid="ops-reconciliation" data-loading-state={loadingState(runs)}>
      <h2>Reconciliation</h2>
      <p className="muted">
        Verified through: <strong>{fmtTime(runs.data?.verified_through ?? null)}</strong> — every minute before it was
        recounted from the log through the live code and matched the rollups.
      </p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const ads = String(form.get("ads") ?? "")
            .split(",")
            .map((a) => a.trim())
            .filter(Boolean);
          const input = {
            from: utcIso(String(form.get("from") ?? "")),
            to: utcIso(String(form.get("to") ?? "")),
            ...(ads.length > 0 ? { ad_ids: ads } : {}),
          };
          const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
          if (submitter?.value === "recalc") recalc.mutate(input);
          else reconcile.mutate(input);
        }}
      >
        <label>
          From (UTC)
          <input name="from" type="datetime-local" step={60} required />
        </label>
        <label>
          To (UTC)
          <input name="to" type="datetime-local" step={60} required />
        </label>
        <label>
          Ads (optional)
          <input name="ads" placeholder="ad-1,ad-2" />
        </label>
        <button type="submit" value="reconcile">
          Reconcile
        </button>
        <button type="submit" value="recalc">
          Recalculate
        </button>
      </form>
      {error && <p className="error">{error.message}</p>}
      {runs.isError && <p className="error">{runs.error.message}</p>}
      {runs.data && runs.data.runs.length === 0 && <p className="muted">No runs yet.</p>}
      {runs.data && runs.data.runs.length > 0 && (
        <ScrollRegion label="Reconciliation runs" capped={false}>
          <table data-testid="recon-runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Kind</th>
                <th scope="col">Range</th>
                <th scope="col">Ads</th>
                <th scope="col" className="num">
                  Records
                </th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.runs.map((r) => (
                <tr key={r.id} data-testid="recon-run">
                  <td>
                    <button type="button" className="link-button" onClick={() => setOpen(open === r.id ? null : r.id)}>
                      #{r.id}
                    </button>
                  </td>
                  <td>
                    {r.kind} ({r.trigger})
                  </td>
                  <td>{fmtRange(r.from, r.to, "UTC")}</td>
                  <td>{r.ad_ids?.join(", ") ?? "all"}</td>
                  <td className="num">{r.records === null ? "" : fmtInt(r.records)}</td>
                  <td>
                    <RunStatus run={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {open !== null && <Mismatches runId={open} />}
    </section>
  );
}
