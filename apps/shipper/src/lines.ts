// Cuts a chunk of a log file into complete lines (a partial last line waits for its newline)
// and turns them into Kafka messages: valid clicks for `ad-clicks` (the line's own bytes),
// invalid lines as dead letters that name the file and line number. Pure.
import { type HotAdEntry, HotAdRouter, parseClick } from "@adclicks/core";
import { deadLetterMessage, rawClickMessage } from "@adclicks/kafka";

export interface LineBlock {
  /** Bytes at the start of the buffer that hold complete lines (with their newlines). */
  bytes: number;
  /** How many lines those bytes hold (blank ones included: they have line numbers too). */
  lines: number;
}

/**
 * The complete lines at the start of `buf[0, length)`. With `final`, a trailing line without a
 * newline counts too (the file was rotated away and will not grow any more).
 */
export function completeLines(buf: Buffer, length: number, final = false): LineBlock {
  const lastNl = length > 0 ? buf.lastIndexOf(0x0a, length - 1) : -1;
  const end = final ? length : lastNl + 1;
  if (end <= 0) return { bytes: 0, lines: 0 };
  let lines = end > lastNl + 1 ? 1 : 0;
  for (let i = buf.indexOf(0x0a, 0); i >= 0 && i < end; i = buf.indexOf(0x0a, i + 1)) lines++;
  return { bytes: end, lines };
}

export interface EncodedLines {
  clicks: Array<{ key: string; value: Buffer }>;
  deadLetters: Array<{ key: string; value: string }>;
}

export interface BlockMeta {
  file: string;
  /** The 1-based line number of the block's first line in `file`. */
  firstLine: number;
  /** When the lines were read: a click stamped more than maxFutureSkewMs after it is rejected. */
  nowMs: number;
  maxFutureSkewMs?: number;
  /** The hot-ad lists to key clicks by (a snapshot; absent or empty: every click by its ad_id). */
  hotAds?: readonly HotAdEntry[];
}

/**
 * Validates every line of `block` (complete lines, as `completeLines` cut them; CR of CRLF
 * dropped, blank lines skipped). A click's value is a view of its line's bytes in `block`, so
 * the block must not be reused until the messages are sent.
 */
export function encodeLines(block: Buffer, meta: BlockMeta): EncodedLines {
  const out: EncodedLines = { clicks: [], deadLetters: [] };
  let router: HotAdRouter | undefined;
  if (meta.hotAds && meta.hotAds.length > 0) {
    router = new HotAdRouter();
    router.load(meta.hotAds);
  }
  // One decode per block: while every char is one byte (ASCII, the normal case), a char index is
  // a byte index. Otherwise (multi-byte or invalid UTF-8) each line is cut by bytes and decoded.
  const text = block.toString("utf8");
  const oneBytePerChar = text.length === block.length;
  let lineNo = meta.firstLine;
  for (let start = 0; start < block.length; lineNo++) {
    let nl = oneBytePerChar ? text.indexOf("\n", start) : block.indexOf(0x0a, start);
    if (nl < 0) nl = block.length;
    // CR of CRLF is not part of the line (0x0d is never inside a multi-byte character).
    const end = nl > start && block[nl - 1] === 0x0d ? nl - 1 : nl;
    const line = oneBytePerChar ? text.slice(start, end) : block.toString("utf8", start, end);
    if (line.length > 0 && line.trim().length > 0) encodeLine(out, line, block, start, end, lineNo, meta, router);
    start = nl + 1;
  }
  return out;
}

function encodeLine(
  out: EncodedLines,
  line: string,
  block: Buffer,
  start: number,
  end: number,
  lineNo: number,
  meta: BlockMeta,
  router: HotAdRouter | undefined,
): void {
  const r = parseClick(line, { nowMs: meta.nowMs, maxFutureSkewMs: meta.maxFutureSkewMs });
  if (r.ok) {
    const message = rawClickMessage(r.click, block.subarray(start, end));
    // A hot ad of this click's minute is spread over several keys (a duplicate gets the same one).
    if (router) message.key = router.keyFor(r.click.adId, r.click.eventId, r.click.ts);
    out.clicks.push(message);
    return;
  }
  out.deadLetters.push(
    deadLetterMessage({
      reason: r.reason,
      detail: r.detail,
      source: `shipper:${meta.file}:${lineNo}`,
      payload: line,
      rejectedAt: meta.nowMs,
    }),
  );
}
