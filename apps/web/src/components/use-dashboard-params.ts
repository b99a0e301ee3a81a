"use client";
// The dashboards' state lives in the URL: read and validated from the search params (the same
// zod fragments as the API), written with the History API so a change needs no server round trip,
// while back/forward, reload and shared links all work.
import {
  type DashboardParams,
  type ParsedParams,
  paramsUsable,
  parseDashboardParams,
  toSearchParams,
} from "@adclicks/api/schemas";
import { useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";

export interface DashboardUrlState extends ParsedParams {
  /** The range is complete and every filter valid: the panels may query. */
  usable: boolean;
  /** Sets parameters (undefined removes one) and pushes a history entry. */
  update(patch: Partial<DashboardParams>): void;
}

export function useDashboardParams(): DashboardUrlState {
  const search = useSearchParams();
  const parsed = useMemo(() => parseDashboardParams(search), [search]);
  const update = useCallback<DashboardUrlState["update"]>((patch) => {
    const current = parseDashboardParams(new URLSearchParams(window.location.search));
    const next = toSearchParams({ ...current.params, ...patch });
    // An invalid value from the URL stays as it was (with its message) until it is changed.
    for (const k of Object.keys(current.errors) as (keyof ParsedParams["raw"])[]) {
      const text = current.raw[k];
      if (!(k in patch) && text !== undefined) next.set(k, text);
    }
    const qs = next.toString();
    const url = `${window.location.pathname}${qs ? `?${qs}` : ""}`;
    if (url !== `${window.location.pathname}${window.location.search}`) window.history.pushState(null, "", url);
  }, []);
  return { ...parsed, usable: paramsUsable(parsed), update };
}
