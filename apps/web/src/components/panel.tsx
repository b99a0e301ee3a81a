"use client";
// A dashboard panel's frame and states: loading skeleton, empty (saying why), error with retry,
// and the freshness line every panel carries ("Data as of …", final up to …, stale warnings).
import { type ReactNode, useEffect, useState } from "react";
import { fmtClock, fmtClockSeconds } from "./format";

export type PanelStateName = "loading" | "error" | "ready" | "invalid";

export function Panel(props: {
  title: ReactNode;
  testId: string;
  state: PanelStateName;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const headingId = `${props.testId}-title`;
  return (
    <section
      className={`panel ${props.className ?? ""}`}
      data-testid={props.testId}
      data-loading-state={props.state}
      aria-labelledby={headingId}
      aria-busy={props.state === "loading"}
    >
      <div className="panel-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions && <div className="panel-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

export function Skeleton({ height = 120, lines }: { height?: number; lines?: number }) {
  if (lines) {
    return (
      <div className="skeleton-lines" aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
          <div key={i} className="skeleton" style={{ height: 18 }} />
        ))}
      </div>
    );
  }
  return <div className="skeleton" style={{ height }} aria-hidden="true" />;
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <p className="empty" data-testid="empty-state">
      {children}
    </p>
  );
}

export function ErrorState({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className="error-state" role="alert" data-testid="error-state">
      <p>
        <strong>Could not load this panel.</strong> {message}
      </p>
      <button type="button" className="secondary" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

/** Wall clock for "how old is this", ticking once a second after mount (null on the server). */
function useNow(): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

/**
 * "Data as of 14:05:09 · final up to 14:04": when the numbers were read, and up to when every
 * minute is final. Says so when refreshing fails, or when the numbers are older than they should be.
 */
export function Freshness(props: {
  updatedAt: number;
  asOf: string | null;
  tz: string;
  refreshMs: number;
  failing: boolean;
}) {
  const now = useNow();
  if (props.updatedAt === 0) return null;
  const ageMs = now === null ? 0 : now - props.updatedAt;
  const stale = props.failing || ageMs > props.refreshMs * 3;
  return (
    <p className={`freshness ${stale ? "stale" : ""}`} data-testid="freshness">
      <span className={`live-dot ${stale ? "off" : ""}`} aria-hidden="true" />
      Data as of {fmtClockSeconds(props.updatedAt, props.tz)}
      {" · "}
      {props.asOf === null ? "no minute final yet" : `final up to ${fmtClock(props.asOf, props.tz)}`}
      {stale && (
        <strong>
          {" · "}
          {props.failing ? "refresh failing, retrying" : "not refreshed lately"}
        </strong>
      )}
    </p>
  );
}
