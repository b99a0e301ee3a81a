// The live windows' Lua scripts: files in ./lua, read from disk once when this module loads and
// registered on each connection with ioredis' defineCommand (sent as EVALSHA). A script is a line
// of constants from TypeScript followed by one or more files; an error Redis reports at
// "user_script:N" is rewritten to name the file and line it came from.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { BUCKET_MS, KEPT_MARGIN_MINUTES, LIVE_TTL_MS, MINUTE_MS, MINUTES_KEPT, TOP_CAP } from "./redis-keys";

/** The constants every script may use, as Lua locals on its first line. */
const CONSTANTS = { MINUTE_MS, BUCKET_MS, MINUTES_KEPT, KEPT_MARGIN_MINUTES, LIVE_TTL_MS, TOP_CAP };
const PRELUDE = `local ${Object.keys(CONSTANTS).join(", ")} = ${Object.values(CONSTANTS).join(", ")}`;

interface Part {
  file: string;
  /** Line of the script where the file's first line is. */
  firstLine: number;
  lines: number;
}

export interface LuaScript {
  /** The ioredis command name. */
  command: string;
  lua: string;
  /** Keys the command takes first (undefined: the caller passes the count). */
  numberOfKeys: number | undefined;
  parts: readonly Part[];
}

/**
 * Where the .lua files are: beside this module's source. Found from import.meta.url as a path
 * (tsx, vitest, and the Next.js server bundle, whose import.meta.url is the source file's), not
 * as `new URL("./lua/…", import.meta.url)`: Next's bundler turns that into a browser asset URL
 * in server-rendered pages. apps/web's next.config traces the files for its output.
 */
export const LUA_DIR = join(dirname(fileURLToPath(import.meta.url)), "lua");

/** Builds a script from files (in `dir`) read now: a missing file fails the process at start. */
export function luaScript(
  command: string,
  numberOfKeys: number | undefined,
  files: readonly string[],
  dir = LUA_DIR,
): LuaScript {
  const parts: Part[] = [];
  const texts = [PRELUDE];
  let line = 2;
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8").replace(/\n$/, "");
    const lines = text.split("\n").length;
    parts.push({ file, firstLine: line, lines });
    texts.push(text);
    line += lines;
  }
  return { command, lua: texts.join("\n"), numberOfKeys, parts };
}

/** "user_script:N" (Redis' name for the script's line N) as "file.lua:line". */
export function sourceLine(script: LuaScript, scriptLine: number): string {
  for (const p of script.parts) {
    if (scriptLine >= p.firstLine && scriptLine < p.firstLine + p.lines)
      return `${p.file}:${scriptLine - p.firstLine + 1}`;
  }
  return scriptLine === 1 ? "constants (lua-scripts.ts)" : `line ${scriptLine} of ${script.command}`;
}

/** The error with every script line it names rewritten to its file and line. */
export function withSourceLines(script: LuaScript, err: unknown): unknown {
  if (!(err instanceof Error) || !err.message.includes("user_script:")) return err;
  err.message = err.message.replace(/@?user_script:(\d+)/g, (_, n: string) => sourceLine(script, Number(n)));
  return err;
}

const defined = new WeakMap<Redis, Set<string>>();

/** Registers the scripts on a connection once (before a MULTI or pipeline copies its commands). */
export function defineScripts(redis: Redis, scripts: readonly LuaScript[]): void {
  let names = defined.get(redis);
  if (!names) {
    names = new Set();
    defined.set(redis, names);
  }
  for (const s of scripts) {
    if (names.has(s.command)) continue;
    redis.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    names.add(s.command);
  }
}

/** A script's arguments: keys first; ioredis flattens a nested array (no spread of 10⁵ values). */
export type ScriptArgs = readonly (string | number | readonly (string | number)[])[];

/** Runs a script (registered on first use), its errors naming the file and line. */
export async function runScript<T>(redis: Redis, script: LuaScript, args: ScriptArgs): Promise<T> {
  defineScripts(redis, [script]);
  const command = (redis as unknown as Record<string, (...a: ScriptArgs) => Promise<T>>)[script.command]!;
  try {
    return await command.call(redis, ...args);
  } catch (err) {
    throw withSourceLines(script, err);
  }
}
