// Reads of a shipped file by handle: a byte range, whether its head still matches a
// fingerprint, its line count; and where a file moved (found again by its device and inode).
import { type FileHandle, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fingerprint } from "./state";

export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

export async function prefixMatches(fh: FileHandle, len: number, fp: string): Promise<boolean> {
  const head = await readAt(fh, 0, len);
  return head.length === len && fingerprint(head) === fp;
}

export async function countLines(fh: FileHandle, size: number): Promise<number> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let lines = 0;
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    for (let i = buf.indexOf(0x0a, 0); i >= 0 && i < bytesRead; i = buf.indexOf(0x0a, i + 1)) lines++;
    pos += bytesRead;
  }
  return lines;
}

export async function findInode(dir: string, dev: number, ino: number): Promise<string | undefined> {
  // A directory gone (or unreadable) holds no file to find: the caller treats it as moved away.
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st?.isFile() && st.dev === dev && st.ino === ino) return path;
  }
  return undefined;
}
