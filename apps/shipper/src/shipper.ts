// The shipping loop: finds log files by glob, follows them through rotation (rename: the old
// inode is drained through its open descriptor) and truncation (copytruncate: detected by size
// or changed first bytes), produces complete lines to Kafka and records each file's offset in
// the state file only after Kafka acknowledged them. Blocks of lines are validated and produced
// by a LineSink (on this thread or on worker threads), several at a time, but their offsets are
// recorded strictly in file order.
import { type FileHandle, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { HotAdEntry } from "@adclicks/core";
import { MAX_DEAD_LETTER_PAYLOAD, type TopicNames } from "@adclicks/kafka";
import type { Logger } from "pino";
import { glob } from "tinyglobby";
import { countLines, findInode, prefixMatches, readAt } from "./file-reads";
import { completeLines } from "./lines";
import { type LineSink, localSink, type Send, type Shipped } from "./sink";
import {
  FINGERPRINT_BYTES,
  type FileState,
  fileKey,
  fingerprint,
  loadState,
  type ShipperState,
  saveState,
} from "./state";

export type ShipperOptions = {
  patterns: string[];
  statePath: string;
  topics: TopicNames;
  logger: Logger;
  chunkBytes?: number;
  pollMs?: number;
  rotateGraceMs?: number;
  fromEnd?: boolean;
  once?: boolean;
  /** The current hot-ad lists (kept fresh by the caller); clicks of hot ads get split keys. */
  hotAds?: () => readonly HotAdEntry[];
  /** Clicks stamped more than this ahead of when their line was read are rejected (core's default: 30 s). */
  maxFutureSkewMs?: number;
  /** Minimum interval between state file writes while a file is being shipped. */
  saveEveryMs?: number;
  now?: () => number;
} & (
  | {
      /** Validates and produces blocks of lines (see sink.ts). */
      sink: LineSink;
      send?: never;
    }
  | {
      /** Produces with acks=all; resolves once Kafka acknowledged. Wrapped in a localSink. */
      send: Send;
      sink?: never;
    }
);

export interface ShipperTotals {
  lines: number;
  clicks: number;
  deadLetters: number;
  bytes: number;
  files: number;
  lagBytes: number;
}

interface Tracked extends FileState {
  key: string;
  fh: FileHandle;
  size: number;
  /** No longer matched by the patterns (rotated away or deleted): drained, then closed. */
  gone: boolean;
  lastGrowthAt: number;
}

interface Step {
  sent: Promise<Shipped>;
  offset: number;
  line: number;
  midLine: boolean;
}

const NOTHING: Shipped = { clicks: 0, deadLetters: 0 };

export class Shipper {
  readonly totals: ShipperTotals = { lines: 0, clicks: 0, deadLetters: 0, bytes: 0, files: 0, lagBytes: 0 };
  private readonly tracked = new Map<string, Tracked>();
  private saved: ShipperState = { version: 1, files: {} };
  private stopping = false;
  private wake: (() => void) | undefined;
  private lastSave = 0;
  private saving: Promise<void> | undefined;
  private saveAgain = false;
  private saveError: unknown;
  private readonly now: () => number;
  private readonly chunkBytes: number;
  private readonly sink: LineSink;
  /**
   * Chunks in flight per file: while each producer has one request waiting for Kafka, the next
   * chunk for it is already read and validated.
   */
  private readonly depth: number;

  constructor(private readonly opts: ShipperOptions) {
    this.now = opts.now ?? Date.now;
    this.chunkBytes = opts.chunkBytes ?? 512 * 1024;
    this.sink = opts.sink ?? localSink(opts.send, opts.topics);
    this.depth = 2 * this.sink.parallelism + 1;
  }

  /** Ships until stop() (or, with `once`, until every file is shipped to its end). */
  async run(): Promise<void> {
    // Stopped before it started (a signal while connecting): the state file stays as it is.
    if (this.stopping) return;
    this.saved = await loadState(this.opts.statePath);
    let first = true;
    try {
      while (!this.stopping) {
        await this.discover(first);
        first = false;
        const caughtUp = await this.shipAll();
        await this.persist();
        if (this.opts.once && caughtUp) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.pollMs ?? 250);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      await this.persist();
      // Read-only handles: the offsets are persisted above, a failed close loses nothing.
      for (const t of this.tracked.values()) await t.fh.close().catch(() => {});
      this.tracked.clear();
    }
  }

  /** Finishes the chunks in flight, saves the state and makes run() return. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private async discover(first: boolean): Promise<void> {
    const paths = await glob(this.opts.patterns, { absolute: true, onlyFiles: true, dot: true });
    const seen = new Set<string>();
    for (const path of paths.sort()) {
      // A file removed between the glob and the stat is simply not tracked.
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      const key = fileKey(st.dev, st.ino);
      seen.add(key);
      const t = this.tracked.get(key);
      if (t) {
        t.path = path;
        t.gone = false;
      } else await this.track(path, first, false);
    }
    if (first) {
      // Files rotated away while we were down: find their inode next to where they were.
      for (const [key, saved] of Object.entries(this.saved.files)) {
        if (seen.has(key) || this.tracked.has(key)) continue;
        const found = await findInode(dirname(saved.path), saved.dev, saved.ino);
        if (found) await this.track(found, first, true);
        else this.opts.logger.warn({ file: saved.path }, "a file in the state is gone: its unshipped tail is lost");
      }
    }
    for (const t of this.tracked.values()) {
      if (!seen.has(t.key) && !t.gone) {
        t.gone = true;
        t.lastGrowthAt = this.now();
        this.opts.logger.info({ file: t.path }, "file rotated away or deleted: draining it");
      }
    }
  }

  private async track(path: string, first: boolean, gone: boolean): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch {
      return; // deleted between glob and open
    }
    const st = await fh.stat();
    const key = fileKey(st.dev, st.ino);
    if (this.tracked.has(key)) {
      await fh.close();
      return;
    }
    const saved = this.saved.files[key];
    let offset = 0;
    let line = 0;
    let midLine = false;
    if (saved && saved.offset <= st.size && (await prefixMatches(fh, saved.fpLen, saved.fp))) {
      ({ offset, line, midLine } = saved);
    } else if (!saved && first && this.opts.fromEnd) {
      offset = st.size;
      line = await countLines(fh, st.size);
    }
    const fpLen = Math.min(st.size, FINGERPRINT_BYTES);
    const t: Tracked = {
      key,
      path,
      fh,
      dev: st.dev,
      ino: st.ino,
      size: st.size,
      offset,
      line,
      midLine,
      fpLen,
      fp: fingerprint(await readAt(fh, 0, fpLen)),
      gone,
      lastGrowthAt: this.now(),
    };
    this.tracked.set(key, t);
    this.opts.logger.info({ file: path, offset, line }, saved ? "resuming file" : "following new file");
  }

  /** One pass over every file; true when all of them are shipped to their end. */
  private async shipAll(): Promise<boolean> {
    const once = this.opts.once === true;
    const grace = once ? 0 : (this.opts.rotateGraceMs ?? 5_000);
    let caughtUp = true;
    let lag = 0;
    for (const t of [...this.tracked.values()]) {
      if (this.stopping) return false;
      const st = await t.fh.stat();
      if (st.size < t.offset || (t.fpLen > 0 && !(await prefixMatches(t.fh, t.fpLen, t.fp)))) {
        this.opts.logger.warn({ file: t.path, offset: t.offset, size: st.size }, "file truncated or rewritten: from 0");
        Object.assign(t, { offset: 0, line: 0, midLine: false, fpLen: 0, fp: fingerprint(Buffer.alloc(0)) });
      }
      if (st.size !== t.size) t.lastGrowthAt = this.now();
      t.size = st.size;
      if (t.fpLen < FINGERPRINT_BYTES && st.size > t.fpLen) {
        t.fpLen = Math.min(st.size, FINGERPRINT_BYTES);
        t.fp = fingerprint(await readAt(t.fh, 0, t.fpLen));
      }
      // With --once the files are complete: a last line without its newline is a line.
      if (st.size > t.offset) await this.shipFile(t, st.size, once);
      if (t.gone && this.now() - t.lastGrowthAt >= grace) {
        // The writer has moved on: a last line without its newline is complete now.
        if (t.size > t.offset) await this.shipFile(t, t.size, true);
        if (t.offset >= t.size) {
          // A read-only handle of a file shipped to its end: a failed close loses nothing.
          await t.fh.close().catch(() => {});
          this.tracked.delete(t.key);
          this.opts.logger.info({ file: t.path, offset: t.offset }, "rotated file fully shipped: closed");
          continue;
        }
      }
      if (t.gone || t.offset < t.size) caughtUp = false;
      lag += Math.max(0, t.size - t.offset);
    }
    this.totals.files = this.tracked.size;
    this.totals.lagBytes = lag;
    return caughtUp;
  }

  private async shipFile(t: Tracked, size: number, final: boolean): Promise<void> {
    const inflight: Step[] = [];
    let offset = t.offset;
    let line = t.line;
    let midLine = t.midLine;
    let failed: unknown;
    while (offset < size && !this.stopping && failed === undefined) {
      const want = Math.min(this.chunkBytes, size - offset);
      // Memory of its own per chunk: the messages sent point into it (or it moves to a worker).
      const buf = Buffer.allocUnsafeSlow(want);
      const { bytesRead } = await t.fh.read(buf, 0, want, offset);
      if (bytesRead === 0) break;
      if (midLine) {
        // Still inside a line that was too long (its start is already dead-lettered): skip to its end.
        const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
        offset += nl < 0 ? bytesRead : nl + 1;
        if (nl >= 0) {
          line++;
          midLine = false;
        }
        inflight.push({ sent: Promise.resolve(NOTHING), offset, line, midLine });
      } else {
        const lastPiece = final && offset + bytesRead >= size;
        const block = completeLines(buf, bytesRead, lastPiece);
        let sent: Promise<Shipped>;
        if (block.bytes === 0) {
          if (bytesRead < this.chunkBytes) break; // a partial line: wait for its newline
          sent = this.sink.deadLetter({
            reason: "oversized",
            detail: `line longer than ${this.chunkBytes} bytes`,
            source: `shipper:${t.path}:${line + 1}`,
            payload: buf.toString("utf8", 0, MAX_DEAD_LETTER_PAYLOAD),
            rejectedAt: this.now(),
          });
          offset += bytesRead;
          midLine = true;
        } else {
          sent = this.sink.lines(buf.subarray(0, block.bytes), {
            file: t.path,
            firstLine: line + 1,
            nowMs: this.now(),
            maxFutureSkewMs: this.opts.maxFutureSkewMs,
            hotAds: this.opts.hotAds?.(),
          });
          offset += block.bytes;
          line += block.lines;
          this.totals.lines += block.lines;
        }
        sent.catch(() => {}); // observed below, in order
        inflight.push({ sent, offset, line, midLine });
      }
      while (inflight.length >= this.depth && failed === undefined) failed = await this.settle(t, inflight.shift()!);
    }
    while (inflight.length > 0) {
      const step = inflight.shift()!;
      if (failed === undefined) failed = await this.settle(t, step);
    }
    if (failed !== undefined) {
      // Offsets stay at the last acknowledged chunk; the next pass re-reads from there.
      this.opts.logger.error(
        { err: failed, file: t.path },
        "producing failed; will retry from the last acknowledged offset",
      );
    }
  }

  private async settle(t: Tracked, step: Step): Promise<unknown> {
    let shipped: Shipped;
    try {
      shipped = await step.sent;
    } catch (err) {
      return err;
    }
    this.totals.clicks += shipped.clicks;
    this.totals.deadLetters += shipped.deadLetters;
    this.totals.bytes += step.offset - t.offset;
    t.offset = step.offset;
    t.line = step.line;
    t.midLine = step.midLine;
    if (this.now() - this.lastSave >= (this.opts.saveEveryMs ?? 200)) this.persistSoon();
    return undefined;
  }

  /** Saves the offsets acknowledged so far, after any save in progress; throws what a background save hit. */
  private async persist(): Promise<void> {
    while (this.saving) await this.saving;
    if (this.saveError !== undefined) {
      const err = this.saveError;
      this.saveError = undefined;
      throw err;
    }
    await this.save();
  }

  /**
   * Saves in the background while chunks are acknowledged: an fsync now and then takes tens of
   * milliseconds, and the next chunks should not wait for it. The state holds only offsets
   * Kafka acknowledged, whenever it is written.
   */
  private persistSoon(): void {
    this.lastSave = this.now();
    if (this.saving) {
      this.saveAgain = true;
      return;
    }
    this.saving = (async () => {
      try {
        do {
          this.saveAgain = false;
          await this.save();
        } while (this.saveAgain);
      } catch (err) {
        this.saveError = err;
      } finally {
        this.saving = undefined;
      }
    })();
  }

  private async save(): Promise<void> {
    const files: ShipperState["files"] = {};
    for (const t of this.tracked.values()) {
      const { path, dev, ino, offset, line, fpLen, fp, midLine } = t;
      files[t.key] = { path, dev, ino, offset, line, fpLen, fp, midLine };
    }
    const next: ShipperState = { version: 1, files };
    this.lastSave = this.now();
    if (JSON.stringify(next) === JSON.stringify(this.saved)) return;
    await saveState(this.opts.statePath, next);
    this.saved = next;
  }
}
