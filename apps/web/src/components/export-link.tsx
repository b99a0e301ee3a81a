"use client";
// A CSV download of what a panel shows, with the page's own parameters (filters, range, zone).
import { PARAM_NAMES } from "@adclicks/api/schemas";
import { useSearchParams } from "next/navigation";

export function ExportLink({ file, ad, label }: { file: string; ad?: string; label: string }) {
  const search = useSearchParams();
  const qs = new URLSearchParams();
  for (const name of PARAM_NAMES) {
    const v = search.get(name);
    if (v) qs.set(name, v);
  }
  if (ad) qs.set("ad", ad);
  const q = qs.toString();
  return (
    <a className="export-link" href={`/api/export/${file}${q ? `?${q}` : ""}`} download data-testid={`export-${file}`}>
      <span aria-hidden="true">⤓</span> CSV<span className="sr-only"> of {label}</span>
    </a>
  );
}
