// The Lua loader against a real Redis: a script built from files runs as a defined command, and
// an error raised in one of its files names that file and line.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REDIS_URL } from "@adclicks/test-utils";
import { afterAll, expect, test } from "vitest";
import { createRedis } from "./client";
import { luaScript, runScript } from "./lua-scripts";

const redis = createRedis(REDIS_URL);
afterAll(() => redis.disconnect());

const dir = mkdtempSync(join(tmpdir(), "lua-"));
const files: Record<string, string> = {
  "a.lua": "local x = tonumber(ARGV[1])\n",
  "b.lua": "return x + MINUTES_KEPT\n",
  "first.lua": "local x = 1\n",
  "broken.lua": "local y = x + 1\n-- the next line calls a command wrongly\nreturn redis.call('HGET')\n",
  "syntax.lua": "local x =\nreturn\n",
};
for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

test("a script of two files runs, with the constants", async () => {
  expect(await runScript<number>(redis, luaScript("adclicksTestSum", 0, ["a.lua", "b.lua"], dir), [2])).toBe(62);
});

test("a runtime error in the second file names it and its line", async () => {
  const s = luaScript("adclicksTestBroken", 0, ["first.lua", "broken.lua"], dir);
  await expect(runScript(redis, s, [])).rejects.toThrow(/broken\.lua:3/);
});

test("a compile error names its file and line too", async () => {
  const s = luaScript("adclicksTestSyntax", 0, ["syntax.lua"], dir);
  await expect(runScript(redis, s, [])).rejects.toThrow(/syntax\.lua:2/);
});
