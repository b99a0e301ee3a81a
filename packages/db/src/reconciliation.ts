// Storage of reconciliation and recalculation runs (docs/reconciliation.md): requesting and
// claiming runs (an advisory lock per run says its owner is alive), the snapshot a recount is
// compared with, the mismatches, and what the API shows of it all. The recalculation's swap is
// in recalc-swap.ts.
import { MinuteCounts, type Mismatch, type RecountRange } from "@adclicks/core";
import type pg from "pg";

export type ReconKind = "reconcile" | "recalc";
export type ReconTrigger = "cli" | "hourly" | "daily" | "ops";
export type ReconStatus = "requested" | "running" | "done" | "failed";
export type ReconPhase = "snapshot" | "recount" | "shadow" | "swapped" | "refreshed";

export interface ReconRun {
  id: number;
  kind: ReconKind;
  trigger: ReconTrigger;
  fromMs: number;
  toMs: number;
  adIds: string[] | null;
  status: ReconStatus;
  phase: ReconPhase | null;
  progress: number;
  records: number | null;
  cells: number | null;
  mismatches: number | null;
  corrected: number | null;
  error: string | null;
  owner: string | null;
  requestedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** Advisory-lock namespaces: one lock per run (held by its owner), one for all recalculations. */
const RUN_LOCK = 0x7265636f; // "reco"
const RECALC_LOCK = 0x7265636c; // "recl"

const RUN_COLUMNS = `id, kind, trigger, (extract(epoch from range_from) * 1000)::bigint as from_ms,
  (extract(epoch from range_to) * 1000)::bigint as to_ms, ad_ids, status, phase, progress, records, cells,
  mismatches, corrected, error, owner, (extract(epoch from requested_at) * 1000)::bigint as requested_ms,
  (extract(epoch from started_at) * 1000)::bigint as started_ms,
  (extract(epoch from finished_at) * 1000)::bigint as finished_ms`;

interface RunRow {
  id: number;
  kind: ReconKind;
  trigger: ReconTrigger;
  from_ms: number;
  to_ms: number;
  ad_ids: string[] | null;
  status: ReconStatus;
  phase: ReconPhase | null;
  progress: number;
  records: number | null;
  cells: number | null;
  mismatches: number | null;
  corrected: number | null;
  error: string | null;
  owner: string | null;
  requested_ms: number;
  started_ms: number | null;
  finished_ms: number | null;
}

function toRun(r: RunRow): ReconRun {
  return {
    id: r.id,
    kind: r.kind,
    trigger: r.trigger,
    fromMs: r.from_ms,
    toMs: r.to_ms,
    adIds: r.ad_ids,
    status: r.status,
    phase: r.phase,
    progress: r.progress,
    records: r.records,
    cells: r.cells,
    mismatches: r.mismatches,
    corrected: r.corrected,
    error: r.error,
    owner: r.owner,
    requestedAt: r.requested_ms,
    startedAt: r.started_ms,
    finishedAt: r.finished_ms,
  };
}

export interface RunRequest extends RecountRange {
  kind: ReconKind;
  trigger: ReconTrigger;
}

/** Requests a run; for `hourly` and `daily`, only once per range (returns undefined when it exists). */
export async function requestReconRun(pool: pg.Pool, req: RunRequest): Promise<number | undefined> {
  const ads = req.adIds && req.adIds.length > 0 ? [...req.adIds].sort() : null;
  const once = req.trigger === "hourly" || req.trigger === "daily";
  const { rows } = await pool.query<{ id: number }>(
    `insert into recon_runs (kind, trigger, range_from, range_to, ad_ids)
     select $1, $2, to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), $5::text[]
      where not $6 or not exists (
        select 1 from recon_runs where trigger = $2 and kind = $1 and range_from = to_timestamp($3 / 1000.0))
     returning id`,
    [req.kind, req.trigger, req.fromMs, req.toMs, ads, once],
  );
  return rows[0]?.id;
}

export async function getReconRun(pool: pg.Pool | pg.PoolClient, id: number): Promise<ReconRun | undefined> {
  const { rows } = await pool.query<RunRow>(`select ${RUN_COLUMNS} from recon_runs where id = $1`, [id]);
  return rows[0] && toRun(rows[0]);
}

export async function listReconRuns(pool: pg.Pool, limit = 50): Promise<ReconRun[]> {
  const { rows } = await pool.query<RunRow>(`select ${RUN_COLUMNS} from recon_runs order by id desc limit $1`, [limit]);
  return rows.map(toRun);
}

export async function listReconMismatches(pool: pg.Pool, runId: number, limit = 1_000): Promise<Mismatch[]> {
  const { rows } = await pool.query<Omit<Mismatch, "minute"> & { minute_ms: number }>(
    `select ad_id as "adId", (extract(epoch from minute) * 1000)::bigint as minute_ms, country, expected, actual
       from recon_mismatches where run_id = $1 order by ad_id, minute, country limit $2`,
    [runId, limit],
  );
  return rows.map(({ minute_ms, ...m }) => ({ ...m, minute: minute_ms }));
}

/**
 * A run being worked on: the connection holding its advisory lock (released, with the lock, when
 * the process dies), and, for a recalculation, the lock that keeps recalculations one at a time.
 */
export interface ClaimedRun {
  run: ReconRun;
  lock: pg.PoolClient;
  release(): Promise<void>;
}

async function lockRun(pool: pg.Pool, id: number, kind: ReconKind): Promise<pg.PoolClient | undefined> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1, $2) as ok", [RUN_LOCK, id]);
    if (!rows[0]?.ok) {
      client.release();
      return undefined;
    }
    if (kind === "recalc") {
      const r = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1, 0) as ok", [RECALC_LOCK]);
      if (!r.rows[0]?.ok) {
        await client.query("select pg_advisory_unlock($1, $2)", [RUN_LOCK, id]);
        client.release();
        return undefined;
      }
    }
    return client;
  } catch (err) {
    client.release(err as Error);
    throw err;
  }
}

/**
 * Claims run `id`, or the oldest claimable one: requested, or running without a live owner (its
 * process died: resumed), a failed one only by its id. Undefined when there is none, or it is owned (or, for a recalculation,
 * another one is running).
 */
export async function claimReconRun(
  pool: pg.Pool,
  owner: string,
  id?: number,
  kinds: readonly ReconKind[] = ["reconcile", "recalc"],
): Promise<ClaimedRun | undefined> {
  const { rows } = await pool.query<{ id: number; kind: ReconKind }>(
    `select id, kind from recon_runs where kind = any($2::text[])
        and (status in ('requested', 'running') or (id = $1 and status = 'failed'))
        and ($1::bigint is null or id = $1)
        -- A CLI's own run is its to claim first; another process takes it over only once it died.
        and ($1::bigint is not null or trigger <> 'cli' or status = 'running')
        order by id limit 20`,
    [id ?? null, kinds],
  );
  for (const r of rows) {
    const lock = await lockRun(pool, r.id, r.kind);
    if (!lock) continue;
    const claimed = await lock.query<RunRow>(
      `update recon_runs set status = 'running', owner = $2, started_at = coalesce(started_at, now()),
              heartbeat_at = now()
        where id = $1 and status in ('requested', 'running', 'failed') returning ${RUN_COLUMNS}`,
      [r.id, owner],
    );
    const row = claimed.rows[0];
    const release = async () => {
      try {
        await lock.query("select pg_advisory_unlock_all()");
        lock.release();
      } catch (err) {
        lock.release(err as Error);
      }
    };
    if (!row) {
      await release();
      continue;
    }
    return { run: toRun(row), lock, release };
  }
  return undefined;
}

/**
 * An unfinished recalculation of exactly this range, to resume after a crash: requested or
 * running, or failed once its shadow was stored (then it must be completed, not started over).
 */
export async function findUnfinishedRecalc(pool: pg.Pool, range: RecountRange): Promise<number | undefined> {
  const ads = range.adIds && range.adIds.length > 0 ? [...range.adIds].sort() : null;
  const { rows } = await pool.query<{ id: number }>(
    `select id from recon_runs where kind = 'recalc'
        and (status in ('requested', 'running') or (status = 'failed' and phase in ('shadow', 'swapped')))
        and range_from = to_timestamp($1 / 1000.0) and range_to = to_timestamp($2 / 1000.0)
        and ad_ids is not distinct from $3::text[] order by id desc limit 1`,
    [range.fromMs, range.toMs, ads],
  );
  return rows[0]?.id;
}

export async function updateReconRun(
  db: pg.Pool | pg.PoolClient,
  id: number,
  fields: Partial<{
    phase: ReconPhase;
    progress: number;
    records: number;
    status: ReconStatus;
    error: string;
  }>,
): Promise<void> {
  const sets: string[] = ["heartbeat_at = now()"];
  const values: unknown[] = [id];
  for (const [k, v] of Object.entries(fields)) {
    values.push(v);
    sets.push(`${k} = $${values.length}`);
  }
  if (fields.status === "done" || fields.status === "failed") sets.push("finished_at = now()");
  await db.query(`update recon_runs set ${sets.join(", ")} where id = $1`, values);
}

export interface RangeSnapshot {
  /** The live group's next offset per partition: the rollups hold exactly the records before them. */
  endOffsets: Map<number, number>;
  /** The range's rollup cells, read in the same snapshot. */
  actual: MinuteCounts;
}

/**
 * The range's rollups and the live group's checkpoints in one repeatable-read snapshot: the
 * checkpoint transaction writes both together, so the rollups are exactly the counts of every
 * record before those offsets.
 */
export async function readRangeSnapshot(
  pool: pg.Pool,
  group: string,
  topic: string,
  range: RecountRange,
): Promise<RangeSnapshot> {
  const client = await pool.connect();
  try {
    await client.query("begin isolation level repeatable read read only");
    const cps = await client.query<{ partition: number; next_offset: number }>(
      "select partition, next_offset from consumer_checkpoints where consumer = $1 and topic = $2",
      [group, topic],
    );
    const ads = range.adIds && range.adIds.length > 0 ? range.adIds : null;
    const rows = await client.query<{ ad_id: string; m: number; country: string; clicks: number }>(
      `select ad_id, (extract(epoch from minute) * 1000)::bigint as m, country, clicks from click_rollups
        where minute >= to_timestamp($1 / 1000.0) and minute < to_timestamp($2 / 1000.0)
          and ($3::text[] is null or ad_id = any($3::text[]))`,
      [range.fromMs, range.toMs, ads],
    );
    await client.query("commit");
    const actual = new MinuteCounts();
    for (const r of rows.rows) actual.add(r.m, r.country, r.ad_id, r.clicks);
    return { endOffsets: new Map(cps.rows.map((r) => [r.partition, r.next_offset])), actual };
  } catch (err) {
    await client.query("rollback").catch(() => {}); // the connection may be gone: the error below says why
    throw err;
  } finally {
    client.release();
  }
}

export interface RecountOutcome {
  endOffsets: Map<number, number>;
  records: number;
  cells: number;
  mismatches: readonly Mismatch[];
}

/**
 * Stores a recount's mismatches (replacing any of an earlier attempt) and its figures. A
 * reconciliation is then done; a recalculation moves to `shadow` (its mismatches are the swap's).
 */
export async function storeRecountOutcome(pool: pg.Pool, runId: number, kind: ReconKind, o: RecountOutcome) {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("delete from recon_mismatches where run_id = $1", [runId]);
    const m = o.mismatches;
    for (let i = 0; i < m.length; i += 10_000) {
      const part = m.slice(i, i + 10_000);
      await client.query(
        `insert into recon_mismatches (run_id, ad_id, minute, country, expected, actual)
         select $1, a, to_timestamp(mi / 1000.0), c, e, x
           from unnest($2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[]) as u(a, mi, c, e, x)`,
        [
          runId,
          part.map((x) => x.adId),
          part.map((x) => x.minute),
          part.map((x) => x.country),
          part.map((x) => x.expected),
          part.map((x) => x.actual),
        ],
      );
    }
    await client.query(
      `update recon_runs set end_offsets = $2, records = $3, cells = $4, mismatches = $5, progress = 1,
              heartbeat_at = now(), phase = $6, status = $7, finished_at = case when $7 = 'done' then now() end
        where id = $1`,
      [
        runId,
        JSON.stringify(Object.fromEntries(o.endOffsets)),
        o.records,
        o.cells,
        m.length,
        kind === "recalc" ? "shadow" : "recount",
        kind === "recalc" ? "running" : "done",
      ],
    );
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => {}); // the connection may be gone: the error below says why
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The end of the latest range a reconciliation of every ad found clean, but never past the start
 * of a range found with mismatches that no later clean run has covered since (a recalculation and
 * a clean reconciliation clear it). Null before the first clean run.
 */
export async function getVerifiedThrough(pool: pg.Pool): Promise<number | null> {
  const { rows } = await pool.query<{ ms: number | null }>(
    `with done as (
       select id, range_from, range_to, mismatches from recon_runs
        where kind = 'reconcile' and status = 'done' and ad_ids is null
     ), unresolved as (
       select b.range_from from done b where b.mismatches > 0 and not exists (
         select 1 from done c where c.mismatches = 0 and c.id > b.id
            and c.range_from <= b.range_from and c.range_to >= b.range_to)
     )
     select (extract(epoch from least(
       (select max(range_to) from done where mismatches = 0),
       (select min(range_from) from unresolved))) * 1000)::bigint as ms
      where exists (select 1 from done where mismatches = 0)`,
  );
  return rows[0]?.ms ?? null;
}

/** The metrics' run kinds: the schedule's two, and `manual` for the CLI and the ops view. */
export type ReconMetricKind = "hourly" | "daily" | "manual";

/**
 * Per kind, the latest finished reconciliation of every ad: its mismatches and when it finished
 * (the alert's metrics).
 */
export async function latestReconciliations(
  pool: pg.Pool,
): Promise<Map<ReconMetricKind, { mismatches: number; finishedMs: number }>> {
  const { rows } = await pool.query<{ kind: ReconMetricKind; mismatches: number; finished_ms: number }>(
    `select distinct on (kind) kind, mismatches, finished_ms from (
       select case when trigger in ('hourly', 'daily') then trigger else 'manual' end as kind, id, mismatches,
              (extract(epoch from finished_at) * 1000)::bigint as finished_ms
         from recon_runs where kind = 'reconcile' and status = 'done' and ad_ids is null) r
      order by kind, id desc`,
  );
  return new Map(rows.map((r) => [r.kind, { mismatches: r.mismatches, finishedMs: r.finished_ms }]));
}
