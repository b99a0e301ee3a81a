// Small display helpers shared by the views.
export const fmtInt = (n: number) => n.toLocaleString("en-US");

export function fmtTime(iso: string | null): string {
  if (!iso) return "—";
  return `${iso.slice(11, 16)} UTC`;
}

export function fmtAge(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The `data-loading-state` value for a query, so tests wait for data rather than time. */
export function loadingState(q: { isPending: boolean; isError: boolean }): "loading" | "error" | "ready" {
  return q.isPending ? "loading" : q.isError ? "error" : "ready";
}
