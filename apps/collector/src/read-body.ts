// Reads a request body within a byte limit (also after gzip), and decodes it as strict UTF-8.
// Oversized bodies are drained (up to a cap) before the 413 is sent, so the client reads the
// answer instead of a connection reset.
import type { IncomingMessage } from "node:http";
import { gunzip } from "node:zlib";
import type { Refusal } from "./body";

export type BodyText = { ok: true; text: string; bytes: number } | (Refusal & { drain?: "cut" });

/** Bodies this many times the limit are cut off instead of drained. */
const DRAIN_FACTOR = 8;

export function tooLarge(maxBytes: number): Refusal {
  return { ok: false, status: 413, message: `the body is larger than ${formatBytes(maxBytes)} (${maxBytes} bytes)` };
}

export function formatBytes(n: number): string {
  return n % 1_048_576 === 0 ? `${n / 1_048_576} MB` : `${Math.round(n / 1024)} KB`;
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyText> {
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase().trim();
  if (encoding !== "identity" && encoding !== "gzip")
    return { ok: false, status: 415, message: `Content-Encoding ${encoding} is not supported: send identity or gzip` };
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes * DRAIN_FACTOR) return { ...tooLarge(maxBytes), drain: "cut" };

  const chunks: Buffer[] = [];
  let received = 0;
  let over = false;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > maxBytes) {
        over = true;
        chunks.length = 0;
        if (received > maxBytes * DRAIN_FACTOR) return { ...tooLarge(maxBytes), drain: "cut" };
        continue; // keep draining: the client is still sending
      }
      chunks.push(chunk);
    }
  } catch {
    return { ok: false, status: 400, message: "the request body was cut off" };
  }
  if (over) return tooLarge(maxBytes);

  let buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
  if (encoding === "gzip") {
    try {
      buf = await new Promise<Buffer>((resolve, reject) =>
        gunzip(buf, { maxOutputLength: maxBytes }, (err, out) => (err ? reject(err) : resolve(out))),
      );
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return tooLarge(maxBytes);
      return { ok: false, status: 400, message: "the gzip body could not be decompressed" };
    }
  }
  try {
    // fatal: invalid UTF-8 is refused rather than silently replaced with U+FFFD.
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(buf), bytes: buf.length };
  } catch {
    return { ok: false, status: 400, message: "the body is not valid UTF-8" };
  }
}
