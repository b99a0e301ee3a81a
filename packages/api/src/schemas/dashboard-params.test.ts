// Unit tests of the dashboards' URL parameters: defaults, per-field messages, round trips, order.
import { describe, expect, test } from "vitest";
import {
  overviewInput,
  overviewQueryInput,
  paramsUsable,
  parseDashboardParams,
  sortTopAds,
  toSearchParams,
} from "./dashboard-params";

const parse = (qs: string) => parseDashboardParams(new URLSearchParams(qs));

describe("dashboard params", () => {
  test("defaults: the last 60 minutes in UTC, top 10 by clicks", () => {
    const p = parse("");
    expect(p.params).toEqual({ range: 60, tz: "UTC", n: 10, sort: "clicks", dir: "desc" });
    expect(p.errors).toEqual({});
    expect(toSearchParams(p.params).toString()).toBe("");
    expect(overviewInput.parse(overviewQueryInput(p.params))).toMatchObject({ minutes: 60, tz: "UTC", count: 10 });
  });

  test("every invalid value gets its own message, and the panels do not query", () => {
    const p = parse("range=2000&country=zz&ip=999.1.1.1&tz=Mars/Base&n=500&sort=x");
    expect(p.errors).toEqual({
      range: "must be at most 1440 (one day)",
      country: "expected an ISO-3166-1 alpha-2 country code, e.g. US",
      ip: "expected an IPv4 or IPv6 address",
      tz: "expected an IANA time zone, e.g. UTC or Europe/Paris",
      n: "must be at most 50",
      sort: expect.stringContaining("expected one of"),
    });
    expect(paramsUsable(p)).toBe(false);
    expect(parse("range=custom&from=2026-01-05T10:00:00Z").errors).toEqual({ to: "required with range=custom" });
    expect(parse("range=custom&from=2026-01-05T11:00:00Z&to=2026-01-05T10:00:00Z").errors).toEqual({
      from: "must be before to",
    });
  });

  test("valid values round-trip through the URL and into the procedure's input", () => {
    const qs = "range=custom&from=2026-01-05T10:00:00.000Z&to=2026-01-05T12:00:00.000Z&tz=Europe/Paris&country=DE&n=20";
    const p = parse(qs);
    expect(paramsUsable(p)).toBe(true);
    expect(toSearchParams(p.params).toString()).toBe(new URLSearchParams(qs).toString());
    const input = overviewInput.parse(overviewQueryInput(p.params));
    expect(input).toMatchObject({ from: Date.UTC(2026, 0, 5, 10), to: Date.UTC(2026, 0, 5, 12), country: "DE" });
    expect(overviewInput.parse(overviewQueryInput(parse("range=today").params))).toMatchObject({ today: true });
  });

  test("the top table's order: by clicks, by ad, by change (new ads above every change)", () => {
    const ads = [
      { ad_id: "ad-2", count: 10, previous: 5 },
      { ad_id: "ad-1", count: 30, previous: 60 },
      { ad_id: "ad-3", count: 4, previous: 0 },
    ];
    expect(sortTopAds(ads, "clicks", "desc").map((a) => a.ad_id)).toEqual(["ad-1", "ad-2", "ad-3"]);
    expect(sortTopAds(ads, "ad", "asc").map((a) => a.ad_id)).toEqual(["ad-1", "ad-2", "ad-3"]);
    expect(sortTopAds(ads, "change", "desc").map((a) => a.ad_id)).toEqual(["ad-3", "ad-2", "ad-1"]);
  });
});
