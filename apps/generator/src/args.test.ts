// Generator flags: defaults, conversions, and errors naming the flag.
import { expect, test } from "vitest";
import { parseGeneratorArgs } from "./args";

test("defaults", () => {
  const r = parseGeneratorArgs([]);
  expect(r).toMatchObject({ ok: true, args: { target: "http", rate: 1000, batch: 1000, ads: 2_000_000, zipf: 1 } });
});

test("conversions", () => {
  const r = parseGeneratorArgs(["--target", "file", "--file", "x.log", "--ad-ids", "a, b", "--late", "0.1", "--quiet"]);
  expect(r).toMatchObject({
    ok: true,
    args: { target: "file", file: "x.log", adIds: ["a", "b"], late: 0.1, quiet: true },
  });
});

test.each([
  [["--rate", "fast"], "--rate must be a number"],
  [["--late", "2"], "--late must be between 0 and 1"],
  [["--batch", "20000"], "--batch must be at most 10000"],
  [["--target", "ftp"], "--target must be http, file or kafka"],
  [["--target", "file"], "--file is required"],
  [["--url", "nope"], "--url must be a URL"],
  [["--nope"], "nope"],
])("%j → %s", (argv, message) => {
  const r = parseGeneratorArgs(argv);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.message).toContain(message);
});
