// The generator's live progress line: rate over the last second and running totals. Pure
// formatting; main.ts decides where and how often to print it.
import type { EventKind } from "./events";
import type { TargetStats } from "./targets";

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

export function progressLine(p: {
  sent: number;
  ratePerSec: number;
  totals: Record<EventKind, number>;
  target: TargetStats;
  elapsedS: number;
}): string {
  const t = p.totals;
  return (
    `${fmt(p.sent)} sent · ${fmt(p.ratePerSec)}/s · valid ${fmt(t.valid)} late ${fmt(t.late)} ` +
    `dup ${fmt(t.duplicate)} malformed ${fmt(t.malformed)} · rejected ${fmt(p.target.rejected)} ` +
    `refused ${fmt(p.target.refused)} retries ${fmt(p.target.retries)} · ${p.elapsedS.toFixed(0)} s`
  );
}
