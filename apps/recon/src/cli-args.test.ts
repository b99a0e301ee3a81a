// The CLIs' arguments: a valid range, and an error naming each kind of mistake.
import { describe, expect, test } from "vitest";
import { parseRangeArgs } from "./cli-args";

describe("parseRangeArgs", () => {
  test("a range of whole minutes, with ads", () => {
    expect(
      parseRangeArgs(["--from", "2026-12-02T10:00:00Z", "--to", "2026-12-02T12:00:00+01:00", "--ads", "a,b"]),
    ).toEqual({
      ok: true,
      range: { fromMs: Date.UTC(2026, 11, 2, 10), toMs: Date.UTC(2026, 11, 2, 11), adIds: ["a", "b"] },
    });
  });

  test.each([
    [["--to", "2026-12-02T11:00:00Z"], "--from is required"],
    [["--from", "yesterday", "--to", "2026-12-02T11:00:00Z"], "--from must be an ISO-8601 time"],
    [["--from", "2026-12-02T10:00:30Z", "--to", "2026-12-02T11:00:00Z"], "--from must be a whole minute"],
    [["--from", "2026-12-02T11:00:00Z", "--to", "2026-12-02T10:00:00Z"], "--to must be after --from"],
    [["--from", "2026-10-02T11:00:00Z", "--to", "2026-12-02T10:00:00Z"], "at most 31 days"],
    [["--from", "2026-12-02T10:00:00Z", "--to", "2026-12-02T11:00:00Z", "--ads", "a b"], "--ads: comma-separated"],
    [["--since", "x"], "Unknown option '--since'"],
  ])("%j → %s", (argv, message) => {
    const r = parseRangeArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
