// Builds realistic click events: Zipf-distributed ads and users, weighted countries, stable
// user→IP mapping, and optional duplicates, late events, malformed events and hot-ad bursts.
// Pure: the caller passes the clock and the PRNG, so a seed reproduces the traffic exactly.
import { type Click, COUNTRY_CODES } from "@adclicks/core";
import type { Rng } from "./prng";
import { createZipf, type ZipfSampler } from "./zipf";

export type EventKind = "valid" | "late" | "duplicate" | "malformed";

export interface GeneratedEvent {
  kind: EventKind;
  /** The Kafka key a producer would use (the ad id, or the closest thing for malformed input). */
  key: string;
  /** The event as sent: one JSON text (or deliberately broken text). */
  line: string;
  /** The click the pipeline must count, for `valid` and `late` events only. */
  click?: Click;
  /** For malformed events: what was broken. */
  defect?: Defect;
}

export const DEFECTS = [
  "truncated_json",
  "missing_field",
  "unknown_country",
  "bad_ip",
  "bad_timestamp",
  "future_timestamp",
  "not_an_object",
  "bad_event_id",
] as const;
export type Defect = (typeof DEFECTS)[number];

export interface TrafficConfig {
  /** Explicit ad ids (rank order: the first is the hottest); overrides `adCount`. */
  adIds?: readonly string[];
  /** Number of ads named `${adPrefix}${rank}` when `adIds` is not given. */
  adCount: number;
  adPrefix: string;
  /** Extra ad ids that belong to no advertiser, mixed in uniformly at `unknownAdShare`. */
  unknownAdIds: readonly string[];
  unknownAdShare: number;
  zipfExponent: number;
  users: number;
  duplicateRatio: number;
  lateRatio: number;
  malformedRatio: number;
  lateMinMs: number;
  lateMaxMs: number;
  /** Share of events that go to one hot ad during a burst (0 = no bursts). */
  burstShare: number;
  burstEveryMs: number;
  burstDurationMs: number;
}

export const DEFAULT_TRAFFIC: TrafficConfig = {
  adCount: 2_000_000,
  adPrefix: "ad-",
  unknownAdIds: [],
  unknownAdShare: 0.05,
  zipfExponent: 1.0,
  users: 1_000_000,
  duplicateRatio: 0,
  lateRatio: 0,
  malformedRatio: 0,
  lateMinMs: 5_000,
  lateMaxMs: 5 * 60_000,
  burstShare: 0,
  burstEveryMs: 60_000,
  burstDurationMs: 10_000,
};

// Rough shares of ad traffic by country; the rest is spread over every other ISO code.
const COUNTRY_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ["US", 28],
  ["IN", 9],
  ["BR", 6],
  ["GB", 5],
  ["DE", 5],
  ["JP", 5],
  ["FR", 4],
  ["CA", 4],
  ["KR", 4],
  ["MX", 3],
  ["ID", 3],
  ["ES", 2],
  ["IT", 2],
  ["AU", 2],
  ["NL", 1.5],
  ["TR", 1.5],
  ["PL", 1],
  ["SE", 1],
  ["VN", 1],
  ["PH", 1],
];
const TAIL_WEIGHT = 11;
const TAIL_COUNTRIES = [...COUNTRY_CODES].filter((c) => !COUNTRY_WEIGHTS.some(([w]) => w === c));
const HEAD_TOTAL = COUNTRY_WEIGHTS.reduce((s, [, w]) => s + w, 0);

const DUPLICATE_MEMORY = 10_000;
const USER_ZIPF_EXPONENT = 0.8;

function hash32(n: number): number {
  let h = Math.imul(n ^ 0x5bd1e995, 0x27d4eb2d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** A stable address per user (most users keep one IP; a few are on IPv6). */
export function ipForUser(user: number, variant = 0): string {
  const h = hash32(user * 31 + variant);
  if (h % 20 === 0) return `2001:db8:${(h >>> 16).toString(16)}::${(h & 0xffff).toString(16)}`;
  const a = 1 + (h % 223); // 1..223: unicast, not 0.x or multicast
  return `${a}.${(h >>> 8) & 255}.${(h >>> 16) & 255}.${1 + ((h >>> 24) % 254)}`;
}

export function uuidFrom(rng: Rng): string {
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  const a = hex(rng.uint32());
  const b = hex((rng.uint32() & 0xffff0fff) | 0x00004000); // version 4
  const c = hex((rng.uint32() & 0x3fffffff) | 0x80000000); // RFC 4122 variant
  const d = hex(rng.uint32());
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/** Produces one event per `next(nowMs)` call. Holds a little state (recent events, for duplicates). */
export class ClickFactory {
  private readonly adZipf: ZipfSampler;
  private readonly userZipf: ZipfSampler;
  private readonly recent: string[] = [];
  private recentPos = 0;
  private readonly adCount: number;

  constructor(
    private readonly rng: Rng,
    private readonly config: TrafficConfig = DEFAULT_TRAFFIC,
  ) {
    this.adCount = config.adIds?.length ?? config.adCount;
    if (this.adCount < 1) throw new Error("traffic needs at least one ad");
    this.adZipf = createZipf(this.adCount, config.zipfExponent);
    this.userZipf = createZipf(Math.max(1, config.users), USER_ZIPF_EXPONENT);
  }

  adIdOfRank(rank: number): string {
    return this.config.adIds ? this.config.adIds[rank - 1]! : `${this.config.adPrefix}${rank}`;
  }

  /** The hot ad of the burst that covers `nowMs`, if any: deterministic per burst period. */
  hotAd(nowMs: number): string | undefined {
    const { burstShare, burstEveryMs, burstDurationMs } = this.config;
    if (burstShare <= 0 || burstEveryMs <= 0 || nowMs % burstEveryMs >= burstDurationMs) return undefined;
    const period = Math.floor(nowMs / burstEveryMs);
    return this.adIdOfRank(1 + (hash32(period) % this.adCount));
  }

  next(nowMs: number): GeneratedEvent {
    const { rng, config } = this;
    const r = rng.next();
    if (r < config.malformedRatio) return this.malformed(nowMs);
    if (r < config.malformedRatio + config.duplicateRatio && this.recent.length > 0) {
      const line = this.recent[rng.int(this.recent.length)]!;
      return { kind: "duplicate", key: keyOf(line), line };
    }
    const late = rng.next() < config.lateRatio;
    const ts = late ? nowMs - config.lateMinMs - Math.floor(rng.next() * (config.lateMaxMs - config.lateMinMs)) : nowMs;
    const click = this.click(ts, nowMs);
    // Half the events carry ISO-8601 timestamps, half epoch ms: both are on the wire in practice.
    const wireTs = rng.next() < 0.5 ? new Date(ts).toISOString() : ts;
    const line = JSON.stringify({
      event_id: click.eventId,
      ad_id: click.adId,
      click_timestamp: wireTs,
      user_id: click.userId,
      ip: click.ip,
      country: click.country,
    });
    this.remember(line);
    return { kind: late ? "late" : "valid", key: click.adId, line, click };
  }

  private click(ts: number, nowMs: number): Click {
    const { rng, config } = this;
    let adId: string;
    const hot = this.hotAd(nowMs);
    if (hot !== undefined && rng.next() < config.burstShare) adId = hot;
    else if (config.unknownAdIds.length > 0 && rng.next() < config.unknownAdShare)
      adId = config.unknownAdIds[rng.int(config.unknownAdIds.length)]!;
    else adId = this.adIdOfRank(this.adZipf.sample(rng));
    const user = this.userZipf.sample(rng);
    // One user in fifty shows up from a second address (mobile networks, VPNs).
    const ip = ipForUser(user, rng.next() < 0.02 ? 1 : 0);
    return { eventId: uuidFrom(rng), adId, ts, userId: `u-${user}`, ip, country: this.country() };
  }

  private country(): string {
    const x = this.rng.next() * (HEAD_TOTAL + TAIL_WEIGHT);
    if (x >= HEAD_TOTAL) return TAIL_COUNTRIES[this.rng.int(TAIL_COUNTRIES.length)]!;
    let acc = 0;
    for (const [code, w] of COUNTRY_WEIGHTS) {
      acc += w;
      if (x < acc) return code;
    }
    return "US";
  }

  private remember(line: string): void {
    if (this.recent.length < DUPLICATE_MEMORY) this.recent.push(line);
    else {
      this.recent[this.recentPos] = line;
      this.recentPos = (this.recentPos + 1) % DUPLICATE_MEMORY;
    }
  }

  private malformed(nowMs: number): GeneratedEvent {
    const defect = DEFECTS[this.rng.int(DEFECTS.length)]!;
    const c = this.click(nowMs, nowMs);
    const wire: Record<string, unknown> = {
      event_id: c.eventId,
      ad_id: c.adId,
      click_timestamp: c.ts,
      user_id: c.userId,
      ip: c.ip,
      country: c.country,
    };
    let line: string;
    switch (defect) {
      case "truncated_json":
        line = JSON.stringify(wire).slice(0, 40);
        break;
      case "missing_field":
        delete wire[["event_id", "click_timestamp", "user_id", "ip", "country"][this.rng.int(5)]!];
        line = JSON.stringify(wire);
        break;
      case "unknown_country":
        line = JSON.stringify({ ...wire, country: "XX" });
        break;
      case "bad_ip":
        line = JSON.stringify({ ...wire, ip: "300.1.2.3" });
        break;
      case "bad_timestamp":
        line = JSON.stringify({ ...wire, click_timestamp: "yesterday at noon" });
        break;
      case "future_timestamp":
        line = JSON.stringify({ ...wire, click_timestamp: nowMs + 86_400_000 });
        break;
      case "not_an_object":
        line = JSON.stringify([c.adId, c.ts]);
        break;
      case "bad_event_id":
        line = JSON.stringify({ ...wire, event_id: "click-42" });
        break;
    }
    return { kind: "malformed", key: c.adId, line, defect };
  }
}

function keyOf(line: string): string {
  const m = /"ad_id":"([^"]*)"/.exec(line);
  return m?.[1] ?? "";
}
