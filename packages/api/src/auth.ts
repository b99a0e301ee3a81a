// Dashboard sign-in with better-auth (email + password, drizzle adapter, sessions in Postgres).
// Accounts are provisioned (seed, admin), never self-registered: sign-up is off.
import { authTables } from "@adclicks/db/auth-schema";
import type { Db } from "@adclicks/db/client";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";

export interface AuthOptions {
  db: Db;
  /** At least 32 random characters; signs session cookies. */
  secret: string;
  /** Public origin of the web app, or the hosts it may be reached on (origin from the request). */
  baseURL?: string | { allowedHosts: string[]; protocol?: "http" | "https" | "auto" } | undefined;
  trustedOrigins?: string[];
}

export function createAuth(opts: AuthOptions) {
  return betterAuth({
    secret: opts.secret,
    baseURL: opts.baseURL,
    trustedOrigins: opts.trustedOrigins,
    database: drizzleAdapter(opts.db, { provider: "pg", schema: authTables }),
    emailAndPassword: { enabled: true, disableSignUp: true },
    user: {
      additionalFields: {
        // input: false: a client can never set its own role or advertiser.
        role: { type: "string", required: true, defaultValue: "advertiser", input: false },
        advertiserId: { type: "string", required: false, input: false },
      },
    },
    session: { expiresIn: 7 * 24 * 3600, updateAge: 24 * 3600 },
    rateLimit: {
      // Brute-force guard on sign-in, loose enough for a team sharing one office IP.
      customRules: { "/sign-in/email": { window: 60, max: 20 } },
    },
  });
}

export type AuthInstance = ReturnType<typeof createAuth>;
