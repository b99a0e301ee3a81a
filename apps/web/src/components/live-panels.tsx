"use client";
// What the dashboards' panels share around one live query: how often it refreshes, each panel's
// state, the freshness line, the "why empty" text, a banner while refreshing fails, and the body
// that shows the invalid-filter notice, the error with a retry, the skeleton or the content.
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { panelState } from "./format";
import { EmptyState, ErrorState, Freshness, type PanelStateName } from "./panel";
import type { DashboardUrlState } from "./use-dashboard-params";

export const REFRESH_MS = 5_000;
/** A range that is all final changes only by late corrections: refreshed less often. */
const FINAL_REFRESH_MS = 30_000;

export const liveRefetch = (query: { state: { data?: { final: boolean } | undefined } }) =>
  query.state.data?.final ? FINAL_REFRESH_MS : REFRESH_MS;

export function useLivePanels<T extends { as_of: string | null }>(
  q: UseQueryResult<T, { message: string }>,
  state: DashboardUrlState,
  subject: string,
) {
  const data = q.data;
  const ps: PanelStateName = state.usable ? panelState(q) : "invalid";
  const { params } = state;
  const filtered = Boolean(params.country || params.ip || params.user_id);
  const why = filtered ? "No clicks for these filters in this range." : `No clicks on ${subject} in this range.`;
  const freshness = data && (
    <Freshness
      updatedAt={q.dataUpdatedAt}
      asOf={data.as_of}
      tz={params.tz}
      refreshMs={REFRESH_MS}
      failing={q.isRefetchError}
    />
  );
  const banner = q.isRefetchError && data && (
    <p className="banner warn" role="status">
      Refreshing failed ({q.error?.message}); showing the numbers read at{" "}
      {new Date(q.dataUpdatedAt).toISOString().slice(11, 19)} UTC.
    </p>
  );
  const body = (render: (data: T) => ReactNode, skeleton: ReactNode): ReactNode => {
    if (!state.usable) {
      const fields = Object.keys(state.errors).join(", ") || "the range";
      return <EmptyState>Fix {fields} above to see numbers: the value given is not valid.</EmptyState>;
    }
    if (q.isError && !data) return <ErrorState message={q.error.message} onRetry={() => void q.refetch()} />;
    return data ? render(data) : skeleton;
  };
  return { data, ps, why, freshness, banner, body };
}
