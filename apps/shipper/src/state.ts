// The shipper's durable progress: per file (identified by device and inode, plus a fingerprint
// of its first bytes against inode reuse) the byte offset and line number acknowledged by
// Kafka. Written atomically: temp file, fsync, rename, fsync of the directory.
import { createHash } from "node:crypto";
import { open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";

/** How many leading bytes identify a file's content. */
export const FINGERPRINT_BYTES = 256;

const fileStateSchema = z.object({
  path: z.string(),
  dev: z.number(),
  ino: z.number(),
  offset: z.number().int().min(0),
  line: z.number().int().min(0),
  fpLen: z.number().int().min(0),
  fp: z.string(),
  /** Inside a line longer than a chunk (already dead-lettered): skip to its newline. */
  midLine: z.boolean().default(false),
});
export type FileState = z.infer<typeof fileStateSchema>;

const stateSchema = z.object({
  version: z.literal(1),
  files: z.record(z.string(), fileStateSchema),
});
export type ShipperState = z.infer<typeof stateSchema>;

export const fileKey = (dev: number, ino: number) => `${dev}:${ino}`;

export function fingerprint(bytes: Buffer): string {
  return createHash("sha1").update(bytes).digest("hex");
}

export async function loadState(path: string): Promise<ShipperState> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, files: {} };
    throw err;
  }
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `state file ${path} is not a shipper state (${parsed.error.issues[0]?.message}): move it away to start over`,
    );
  return parsed.data;
}

/** Replaces the state file atomically and durably: after this resolves, a crash keeps it. */
export async function saveState(path: string, state: ShipperState): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, "w", 0o644);
  try {
    await fh.writeFile(JSON.stringify(state));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  // The rename itself is durable only once the directory entry is flushed.
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
