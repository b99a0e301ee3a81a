// Unit test of the generated OpenAPI document: the partner endpoints, their parameters, bearer auth.
import { describe, expect, test } from "vitest";
import { openApiDocument } from "./http";

describe("OpenAPI document", () => {
  test("documents the book's endpoints from the zod schemas", () => {
    const doc = openApiDocument("https://clicks.example.com");
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.servers).toEqual([{ url: "https://clicks.example.com/api/v1" }]);
    const count = doc.paths?.["/ads/{ad_id}/aggregated_count"]?.get;
    const popular = doc.paths?.["/ads/popular_ads"]?.get;
    expect(count?.parameters?.map((p) => ("name" in p ? p.name : "")).sort()).toEqual(
      ["ad_id", "country", "from", "ip", "minutes", "to", "user_id"].sort(),
    );
    expect(popular?.parameters?.map((p) => ("name" in p ? p.name : "")).sort()).toEqual(
      ["count", "country", "ip", "user_id", "window"].sort(),
    );
    expect(popular?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(doc.paths ?? {})).not.toContain("/ops/health");
  });
});
