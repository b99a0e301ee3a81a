// Unit tests of the Lua script loader: a script is the constants line plus its files, and an
// error at "user_script:N" names the file and line N came from.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { LUA_DIR, luaScript, sourceLine, withSourceLines } from "./lua-scripts";

const dir = mkdtempSync(join(tmpdir(), "lua-"));
writeFileSync(join(dir, "a.lua"), "local a = 1\nlocal b = 2\n");
writeFileSync(join(dir, "b.lua"), "return a + b + TOP_CAP\n");

test("a script is the constants line, then each file in order", () => {
  const s = luaScript("x", 1, ["a.lua", "b.lua"], dir);
  const lines = s.lua.split("\n");
  expect(lines[0]).toMatch(
    /^local MINUTE_MS, BUCKET_MS, MINUTES_KEPT, KEPT_MARGIN_MINUTES, LIVE_TTL_MS, TOP_CAP = 60000, 300000, 60, 1, /,
  );
  expect(lines.slice(1)).toEqual(["local a = 1", "local b = 2", "return a + b + TOP_CAP"]);
});

test("script lines map back to their file and line", () => {
  const s = luaScript("x", 1, ["a.lua", "b.lua"], dir);
  expect([1, 2, 3, 4].map((n) => sourceLine(s, n))).toEqual([
    "constants (lua-scripts.ts)",
    "a.lua:1",
    "a.lua:2",
    "b.lua:1",
  ]);
  const err = new Error("ERR user_script:4: attempt to call a nil value script: 7a8b, on @user_script:4.");
  expect((withSourceLines(s, err) as Error).message).toBe(
    "ERR b.lua:1: attempt to call a nil value script: 7a8b, on b.lua:1.",
  );
});

test("the scripts' files are found beside the module, and a missing one fails at once", () => {
  expect(luaScript("y", 1, ["window-sets.lua"]).lua).toContain("redis.call('HMGET', KEYS[1]");
  expect(LUA_DIR).toMatch(/packages\/live\/src\/lua$/);
  expect(() => luaScript("z", 1, ["no-such.lua"])).toThrow(/no-such\.lua/);
});
