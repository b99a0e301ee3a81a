// Unit tests of the time-zone helpers: offsets across DST, local midnight, ISO text and inputs.
import { describe, expect, test } from "vitest";
import {
  formatIsoInZone,
  isTimeZone,
  parseLocalInputValue,
  startOfDayMs,
  todayRange,
  toLocalInputValue,
  zoneOffsetMs,
} from "./time-zones";

describe("time zones", () => {
  test("zone names are validated without throwing", () => {
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Europe/Paris")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });

  test("offsets follow daylight saving time", () => {
    expect(zoneOffsetMs(Date.UTC(2026, 0, 15, 12), "Europe/Paris")).toBe(3_600_000);
    expect(zoneOffsetMs(Date.UTC(2026, 6, 15, 12), "Europe/Paris")).toBe(7_200_000);
    expect(zoneOffsetMs(Date.UTC(2026, 6, 15, 12), "America/New_York")).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs(Date.UTC(2026, 6, 15, 12), "Asia/Kolkata")).toBe(5.5 * 3_600_000);
  });

  test("local midnight, also on the day clocks change", () => {
    expect(startOfDayMs(Date.UTC(2026, 0, 5, 10, 30), "UTC")).toBe(Date.UTC(2026, 0, 5));
    // 00:30 UTC on Jan 5 is still Jan 4 in New York (UTC-5).
    expect(startOfDayMs(Date.UTC(2026, 0, 5, 0, 30), "America/New_York")).toBe(Date.UTC(2026, 0, 4, 5));
    // Paris springs forward on 2026-03-29 at 02:00: the day began at 00:00 +01:00.
    expect(startOfDayMs(Date.UTC(2026, 2, 29, 20), "Europe/Paris")).toBe(Date.UTC(2026, 2, 28, 23));
    expect(todayRange(Date.UTC(2026, 0, 5, 10, 30, 15), "UTC")).toEqual({
      fromMs: Date.UTC(2026, 0, 5),
      toMs: Date.UTC(2026, 0, 5, 10, 31),
    });
  });

  test("ISO text with offset, and datetime-local values both ways", () => {
    const t = Date.UTC(2026, 0, 5, 10, 0);
    expect(formatIsoInZone(t, "UTC")).toBe("2026-01-05T10:00:00Z");
    expect(formatIsoInZone(t, "Europe/Paris")).toBe("2026-01-05T11:00:00+01:00");
    expect(formatIsoInZone(t, "America/St_Johns")).toBe("2026-01-05T06:30:00-03:30");
    expect(toLocalInputValue(t, "Europe/Paris")).toBe("2026-01-05T11:00");
    expect(parseLocalInputValue("2026-01-05T11:00", "Europe/Paris")).toBe(t);
    expect(parseLocalInputValue("2026-01-05T10:00", "UTC")).toBe(t);
    expect(parseLocalInputValue("2026-13-05T10:00", "UTC")).toBeUndefined();
    expect(parseLocalInputValue("yesterday", "UTC")).toBeUndefined();
  });
});
