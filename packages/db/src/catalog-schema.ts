// The catalog (advertisers own ads) and partner API keys. Clicks are counted for any ad id;
// the catalog only decides who may see them (ids missing here are visible to all-scope callers).
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

const tsz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const advertisers = pgTable("advertisers", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: tsz("created_at").notNull().defaultNow(),
});

export const ads = pgTable(
  "ads",
  {
    id: text("id").primaryKey(),
    advertiserId: text("advertiser_id")
      .notNull()
      .references(() => advertisers.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: tsz("created_at").notNull().defaultNow(),
  },
  (t) => [index("ads_advertiser_idx").on(t.advertiserId)],
);

/**
 * API keys of two kinds in one table (one id space, one revocation path and notification):
 * `partner` keys read the query API, `ingest` keys let an ad server send clicks to the collector.
 * Only the sha256 of the secret is stored; the key itself is shown once. `allAdvertisers`
 * partner keys (billing and other internal consumers) see every ad, catalogued or not; other
 * partner keys see the ads of the advertisers listed in api_key_advertisers. An ingest key has no
 * scope and a limit in events per second instead of requests per minute.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["partner", "ingest"] })
      .notNull()
      .default("partner"),
    name: text("name").notNull(),
    secretHash: text("secret_hash").notNull(),
    allAdvertisers: boolean("all_advertisers").notNull(),
    rateLimitPerMinute: integer("rate_limit_per_minute").notNull().default(6000),
    /** Ingest keys only: clicks per second the collector accepts from the key (null for partner keys). */
    eventsPerSecond: integer("events_per_second"),
    createdBy: text("created_by"),
    createdAt: tsz("created_at").notNull().defaultNow(),
    revokedAt: tsz("revoked_at"),
  },
  (t) => [
    check("api_keys_kind_check", sql`${t.kind} in ('partner', 'ingest')`),
    check(
      "api_keys_ingest_limit_check",
      sql`(${t.kind} = 'ingest') = (${t.eventsPerSecond} is not null) and coalesce(${t.eventsPerSecond}, 1) > 0`,
    ),
  ],
);

export const apiKeyAdvertisers = pgTable(
  "api_key_advertisers",
  {
    keyId: text("key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    advertiserId: text("advertiser_id")
      .notNull()
      .references(() => advertisers.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.advertiserId] })],
);
