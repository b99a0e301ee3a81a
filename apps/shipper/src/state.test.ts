// The state file: absent means empty, round trips, and a corrupt one is refused with advice.
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { loadState, saveState } from "./state";

test("round trip, atomically (no temp file left behind)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "shipper-state-"));
  const path = join(dir, "state.json");
  expect(await loadState(path)).toEqual({ version: 1, files: {} });
  const state = {
    version: 1 as const,
    files: { "1:2": { path: "/x", dev: 1, ino: 2, offset: 10, line: 1, fpLen: 10, fp: "ab", midLine: false } },
  };
  await saveState(path, state);
  expect(await loadState(path)).toEqual(state);
  expect(await readdir(dir)).toEqual(["state.json"]);
});

test("a corrupt state file is refused with a way out", async () => {
  const dir = await mkdtemp(join(tmpdir(), "shipper-state-"));
  const path = join(dir, "state.json");
  await writeFile(path, JSON.stringify({ version: 2 }));
  await expect(loadState(path)).rejects.toThrow(/move it away/);
});
