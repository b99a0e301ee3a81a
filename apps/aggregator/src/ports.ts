// The real implementations of the worker's ports, over @adclicks/db (Postgres checkpoints, the
// outbox, final minutes) and @adclicks/live (the Redis live windows). The one place the worker's
// units meet them.
import {
  CheckpointFencedError,
  commitCheckpoint,
  decodeOutboxDeltas,
  loadCheckpoints,
  loadOutbox,
  markMinutePublished,
  withMinuteToPublish,
} from "@adclicks/db";
import { applyDeltas, liveWindowsReady, type Redis, type RedisKeys, rebuildLiveWindows } from "@adclicks/live";
import type pg from "pg";
import type { CheckpointStore } from "./checkpoint-writer";
import type { Clock } from "./clock";
import type { FinalMinutesPort } from "./final-minute-publisher";
import type { LiveWindowsPort, OutboxPort } from "./redis-mirror";

export interface WorkerPorts {
  checkpoints: CheckpointStore;
  outbox: OutboxPort;
  live: LiveWindowsPort;
  finalMinutes: FinalMinutesPort;
}

export interface DbPortsConfig {
  pool: pg.Pool;
  redis: Redis;
  keys: RedisKeys;
  group: string;
  topic: string;
  /** Final minutes' per-ad totals are read this many at a time. */
  publishBatch: number;
  hotAds: { clicksPerMinute: number; slots: number };
  /** The writer's clock: the live windows keep the hour before it. */
  clock: Clock;
}

export function createDbPorts(cfg: DbPortsConfig): WorkerPorts {
  const { pool, redis, keys, group, topic } = cfg;
  return {
    checkpoints: {
      load: () => loadCheckpoints(pool, group, topic),
      async commit(plan, appliedOutbox) {
        try {
          const r = await commitCheckpoint(pool, { consumer: group, topic, plan, appliedOutbox, hotAds: cfg.hotAds });
          return { kind: "committed", finalized: r.finalized, checkpoints: r.checkpoints };
        } catch (err) {
          if (err instanceof CheckpointFencedError) return { kind: "fenced", partitions: err.partitions };
          throw err;
        }
      },
    },
    outbox: {
      async read(partition, afterSeq) {
        const rows = await loadOutbox(pool, group, [partition], new Map([[partition, afterSeq]]));
        return rows.map((r) => ({ seq: r.seq, addTo: (into) => decodeOutboxDeltas(r.deltas, into) }));
      },
    },
    live: {
      async apply(range, counts) {
        const r = await applyDeltas(redis, keys, group, [range], counts, cfg.clock.now());
        if (r.kind !== "mismatch") return r;
        const lastApplied = r.lastApplied.get(range.partition);
        if (lastApplied === undefined)
          throw new Error(`Redis answered no applied seq for partition ${range.partition}`);
        return { kind: "mismatch", lastApplied };
      },
      ready: () => liveWindowsReady(redis, keys),
      rebuild: () => rebuildLiveWindows(pool, redis, keys, group, cfg.clock.now()),
    },
    finalMinutes: {
      withNext: (fn) => withMinuteToPublish(pool, cfg.publishBatch, fn),
      markPublished: (minute, lateClicksSeen) => markMinutePublished(pool, minute, lateClicksSeen),
    },
  };
}
