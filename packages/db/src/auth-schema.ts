// Tables of better-auth (email + password sign-in for dashboard users), in the shape its drizzle
// adapter expects (JS field names are better-auth's), plus our role and advertiser columns.
import { sql } from "drizzle-orm";
import { boolean, check, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { advertisers } from "./catalog-schema";

const tsz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const USER_ROLES = ["advertiser", "ops"] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const authUser = pgTable(
  "auth_user",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    email: text("email").notNull().unique(),
    emailVerified: boolean("email_verified").notNull().default(false),
    image: text("image"),
    createdAt: tsz("created_at").notNull().defaultNow(),
    updatedAt: tsz("updated_at").notNull().defaultNow(),
    role: text("role").$type<UserRole>().notNull().default("advertiser"),
    /** The advertiser an advertiser user acts for; null for ops users. */
    advertiserId: text("advertiser_id").references(() => advertisers.id, { onDelete: "restrict" }),
  },
  (t) => [
    // An advertiser user without an advertiser would see nothing, or (worse) be mistaken for
    // an all-scope caller by a careless check: the database refuses that state.
    check(
      "auth_user_role_check",
      sql`(${t.role} = 'ops') or (${t.role} = 'advertiser' and ${t.advertiserId} is not null)`,
    ),
  ],
);

export const authSession = pgTable(
  "auth_session",
  {
    id: text("id").primaryKey(),
    expiresAt: tsz("expires_at").notNull(),
    token: text("token").notNull().unique(),
    createdAt: tsz("created_at").notNull().defaultNow(),
    updatedAt: tsz("updated_at").notNull().defaultNow(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: text("user_id")
      .notNull()
      .references(() => authUser.id, { onDelete: "cascade" }),
  },
  (t) => [index("auth_session_user_idx").on(t.userId)],
);

export const authAccount = pgTable(
  "auth_account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => authUser.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: tsz("access_token_expires_at"),
    refreshTokenExpiresAt: tsz("refresh_token_expires_at"),
    scope: text("scope"),
    /** better-auth's password hash (scrypt) for the "credential" provider. */
    password: text("password"),
    createdAt: tsz("created_at").notNull().defaultNow(),
    updatedAt: tsz("updated_at").notNull().defaultNow(),
  },
  (t) => [index("auth_account_user_idx").on(t.userId)],
);

export const authVerification = pgTable(
  "auth_verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: tsz("expires_at").notNull(),
    createdAt: tsz("created_at").notNull().defaultNow(),
    updatedAt: tsz("updated_at").notNull().defaultNow(),
  },
  (t) => [index("auth_verification_identifier_idx").on(t.identifier)],
);

/** The tables keyed by better-auth model name, for its drizzle adapter. */
export const authTables = {
  user: authUser,
  session: authSession,
  account: authAccount,
  verification: authVerification,
};
