// Next's `searchParams` page prop as URLSearchParams, for the dashboards' shared parser.
export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** A repeated parameter counts by its first value, as URLSearchParams.get reads it in the browser. */
export async function toUrlSearchParams(sp: SearchParams): Promise<URLSearchParams> {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(await sp)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out.set(k, first);
  }
  return out;
}
