"use client";
// The dead letters archived in Postgres, newest first: reason, when, which stage refused it, and
// a payload sample; filtered by reason (with the last 24 h's counts), older ones a page at a time.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { fmtInt, loadingState } from "~/components/format";
import { Panel } from "~/components/panel";
import { useTRPC } from "~/trpc/react";

export function DeadLetterBrowser() {
  const trpc = useTRPC();
  const [reason, setReason] = useState<string | undefined>(undefined);
  const [pages, setPages] = useState<(number | undefined)[]>([undefined]);
  const beforeId = pages[pages.length - 1];
  const q = useQuery(
    trpc.ops.deadLetters.queryOptions({ reason, beforeId, limit: 20 }, { refetchInterval: beforeId ? false : 10_000 }),
  );
  const d = q.data;
  const last = d?.rows[d.rows.length - 1];
  return (
    <Panel
      title="Dead letters"
      testId="ops-dead-letters"
      state={loadingState(q)}
      actions={
        <label className="inline-field">
          <span className="sr-only">Reason</span>
          <select
            value={reason ?? ""}
            onChange={(e) => {
              setReason(e.target.value || undefined);
              setPages([undefined]);
            }}
          >
            <option value="">All reasons</option>
            {d?.reasons.map((r) => (
              <option key={r.reason} value={r.reason}>
                {r.reason} ({fmtInt(r.count)} in 24 h)
              </option>
            ))}
          </select>
        </label>
      }
    >
      {q.isError && <p className="error">{q.error.message}</p>}
      {d && d.rows.length === 0 && <p className="muted">No dead letters{reason ? ` with reason ${reason}` : ""}.</p>}
      {d && d.rows.length > 0 && (
        <ul className="dead-letters">
          {d.rows.map((r) => (
            <li key={r.id} data-testid="dead-letter">
              <div className="alert-line">
                <span className="badge warn">{r.reason}</span>
                <span className="muted">
                  {new Date(r.firstSeenMs).toISOString().replace("T", " ").slice(0, 19)} UTC · {r.source}
                </span>
              </div>
              {r.detail && <p className="small">{r.detail}</p>}
              <code className="payload">
                {r.payloadSample}
                {r.payloadChars > r.payloadSample.length && ` … (${fmtInt(r.payloadChars)} characters)`}
              </code>
            </li>
          ))}
        </ul>
      )}
      <div className="panel-actions">
        {pages.length > 1 && (
          <button type="button" className="secondary small" onClick={() => setPages((p) => p.slice(0, -1))}>
            Newer
          </button>
        )}
        {d && last && d.rows.length === 20 && (
          <button type="button" className="secondary small" onClick={() => setPages((p) => [...p, last.id])}>
            Older
          </button>
        )}
      </div>
    </Panel>
  );
}
