// A table that scrolls inside its panel, as a named region keyboard users can reach and scroll
// (axe's scrollable-region-focusable: a scrolling box without focusable content needs a tab stop).
// It scrolls sideways on a phone rather than widen the page; `capped` also caps its height.
import type { ReactNode } from "react";

export function ScrollRegion(props: { label: string; testId?: string; capped?: boolean; children: ReactNode }) {
  const className = props.capped === false ? "table-scroll" : "table-scroll chart-table";
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the region scrolls, so it needs a tab stop to be scrolled by keyboard
    <section className={className} aria-label={props.label} data-testid={props.testId} tabIndex={0}>
      {props.children}
    </section>
  );
}
