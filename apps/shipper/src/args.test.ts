// Flag parsing: defaults, and errors that name the flag.
import { expect, test } from "vitest";
import { parseShipperArgs } from "./args";

test("defaults and positionals", () => {
  const r = parseShipperArgs(["--state", "s.json", "logs/*.log", "other.log"]);
  expect(r).toEqual({
    ok: true,
    args: {
      state: "s.json",
      pollMs: 250,
      chunkBytes: 524288,
      rotateGraceMs: 5000,
      fromEnd: false,
      once: false,
      workers: 2,
      patterns: ["logs/*.log", "other.log"],
    },
  });
});

test.each([
  [["logs/*.log"], "--state is required"],
  [["--state", "s", "--poll-ms", "abc", "x"], "--poll-ms must be a number"],
  [["--state", "s", "--chunk-bytes", "10", "x"], "--chunk-bytes must be at least"],
  [["--state", "s"], "at least one log file"],
  [["--state", "s", "--bogus", "x"], "bogus"],
  [["--state", "s", "--workers", "17", "x"], "--workers must be at most 16"],
  [["--state", "s", "--workers", "1.5", "x"], "--workers must be an integer"],
])("%j → %s", (argv, message) => {
  const r = parseShipperArgs(argv);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.message).toContain(message);
});
