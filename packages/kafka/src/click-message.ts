// How our producers write a validated click to `ad-clicks`: keyed by ad_id (so one ad lands on
// one partition), valued by the canonical wire form (epoch-ms timestamp, normalized fields).
import { type Click, toWire } from "@adclicks/core";
import type { Message } from "kafkajs";

export function clickMessage(click: Click): Message & { key: string; value: string } {
  return { key: click.adId, value: JSON.stringify(toWire(click)) };
}
