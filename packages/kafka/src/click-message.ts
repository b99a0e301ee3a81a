// How our producers write a validated click to `ad-clicks`: keyed by ad_id (so one ad lands on
// one partition), valued by the canonical wire form (epoch-ms timestamp, normalized fields) or,
// where the click arrived as a line of JSON that passed validation, by that line's own bytes.
import { type Click, toWire } from "@adclicks/core";
import type { Message } from "./kafkajs";

export function clickMessage(click: Click): Message & { key: string; value: string } {
  return { key: click.adId, value: JSON.stringify(toWire(click)) };
}

/**
 * A click whose value is the original line it was parsed from (`parseClick(line)` returned
 * `click`). Every consumer validates values with parseClick anyway (ad servers produce to the
 * topic with their own clients, in any valid form), so it reads the very same click; the
 * producer saves a JSON.stringify and a copy per click.
 */
export function rawClickMessage(click: Click, line: Buffer): Message & { key: string; value: Buffer } {
  return { key: click.adId, value: line };
}
