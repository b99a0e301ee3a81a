// Hourly partitions of raw_clicks: names, bounds, and which ones retention drops. Pure.

export const HOUR_MS = 3_600_000;
const NAME_RE = /^raw_clicks_(\d{4})(\d{2})(\d{2})(\d{2})$/;

export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** raw_clicks_YYYYMMDDHH (UTC) for the hour starting at `hourMs`. */
export function partitionName(hourMs: number): string {
  const iso = new Date(hourMs).toISOString(); // 2025-01-15T12:00:00.000Z
  return `raw_clicks_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}`;
}

export function parsePartitionName(name: string): number | undefined {
  const m = NAME_RE.exec(name);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
  return partitionName(ms) === name ? ms : undefined;
}

export function createPartitionSql(hourMs: number): string {
  const from = new Date(hourMs).toISOString();
  const to = new Date(hourMs + HOUR_MS).toISOString();
  return `CREATE TABLE IF NOT EXISTS ${partitionName(hourMs)} PARTITION OF raw_clicks FOR VALUES FROM ('${from}') TO ('${to}')`;
}

/** Events before this instant are past retention: not archived (their partition is gone or going). */
export function retentionCutoff(nowMs: number, retentionMs: number): number {
  return hourOf(nowMs - retentionMs);
}

/** Partitions whose whole hour lies before the cutoff. Names that are not ours are left alone. */
export function partitionsToDrop(names: readonly string[], nowMs: number, retentionMs: number): string[] {
  const cutoff = retentionCutoff(nowMs, retentionMs);
  return names.filter((n) => {
    const h = parsePartitionName(n);
    return h !== undefined && h + HOUR_MS <= cutoff;
  });
}
