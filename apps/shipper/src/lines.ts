// Cuts a chunk of a log file into complete lines (a partial last line waits for its newline)
// and turns them into Kafka messages: valid clicks for `ad-clicks`, invalid lines as dead
// letters that name the file and line number. Pure.
import { parseClick } from "@adclicks/core";
import { clickMessage, deadLetterMessage } from "@adclicks/kafka";

export interface LineBlock {
  /** Complete lines, without their newline (CR of CRLF removed). */
  lines: string[];
  /** Bytes of the buffer these lines (with newlines) occupy. */
  bytes: number;
}

/**
 * The complete lines at the start of `buf[0, length)`. With `final`, a trailing line without a
 * newline counts too (the file was rotated away and will not grow any more).
 */
export function completeLines(buf: Buffer, length: number, final = false): LineBlock {
  const lastNl = length > 0 ? buf.lastIndexOf(0x0a, length - 1) : -1;
  const end = final ? length : lastNl + 1;
  if (end <= 0) return { lines: [], bytes: 0 };
  const text = buf.toString("utf8", 0, end);
  const lines = text.split("\n");
  // "a\nb\n" splits into [a, b, ""]: the empty tail is not a line.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 0x0d) lines[i] = l.slice(0, -1);
  }
  return { lines, bytes: end };
}

export interface EncodedLines {
  clicks: Array<{ key: string; value: string }>;
  deadLetters: Array<{ key: string; value: string }>;
}

/** `firstLine` is the 1-based line number of `lines[0]` in `file`. Blank lines are skipped. */
export function encodeLines(
  lines: readonly string[],
  opts: { file: string; firstLine: number; nowMs: number },
): EncodedLines {
  const clicks: EncodedLines["clicks"] = [];
  const deadLetters: EncodedLines["deadLetters"] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0 || line.trim().length === 0) continue;
    const r = parseClick(line, { nowMs: opts.nowMs });
    if (r.ok) clicks.push(clickMessage(r.click));
    else
      deadLetters.push(
        deadLetterMessage({
          reason: r.reason,
          detail: r.detail,
          source: `shipper:${opts.file}:${opts.firstLine + i}`,
          payload: line,
          rejectedAt: opts.nowMs,
        }),
      );
  }
  return { clicks, deadLetters };
}
