// The catalog (advertisers own ads) and partner API keys. Clicks are counted for any ad id;
// the catalog only decides who may see them (ids missing here are visible to all-scope callers).
import { boolean, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

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
 * Partner API keys. Only the sha256 of the secret is stored; the key itself is shown once.
 * `allAdvertisers` keys (billing and other internal consumers) see every ad, catalogued or not;
 * other keys see the ads of the advertisers listed in api_key_advertisers.
 */
export const apiKeys = pgTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  secretHash: text("secret_hash").notNull(),
  allAdvertisers: boolean("all_advertisers").notNull(),
  rateLimitPerMinute: integer("rate_limit_per_minute").notNull().default(6000),
  createdBy: text("created_by"),
  createdAt: tsz("created_at").notNull().defaultNow(),
  revokedAt: tsz("revoked_at"),
});

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
