// `npm run keys -- create --name NAME --scope all|ADV[,ADV…] [--rate-limit N]` (a partner key),
// `npm run keys -- create --kind ingest --name NAME [--events-per-second N]` (an ad server's key
// for the collector), `npm run keys -- revoke KEY_ID`, `npm run keys -- list`: API keys from a
// terminal. The new key is the only thing printed on stdout (so `KEY=$(npm run -s keys -- create …)` works).
import { parseArgs } from "node:util";
import { createDb } from "@adclicks/db/client";
import { dbEnv } from "@adclicks/db/env";
import {
  createApiKey,
  createIngestKey,
  DEFAULT_INGEST_EVENTS_PER_SECOND,
  listApiKeys,
  QueryInputError,
  revokeApiKey,
} from "@adclicks/db/queries";
import { z } from "zod";
import { describeIssues } from "./trpc";

const USAGE = `usage:
  npm run keys -- create --name NAME --scope all|ADVERTISER_ID[,ADVERTISER_ID…] [--rate-limit PER_MINUTE]
  npm run keys -- create --kind ingest --name NAME [--events-per-second N]   (default ${DEFAULT_INGEST_EVENTS_PER_SECOND})
  npm run keys -- revoke KEY_ID
  npm run keys -- list`;

const nameFlag = z.string({ error: "--name is required" }).trim().min(1, "--name must not be empty").max(80);

const partnerFlags = z.strictObject({
  kind: z.literal("partner").optional(),
  name: nameFlag,
  scope: z
    .string({ error: "--scope is required: all, or advertiser ids separated by commas" })
    .transform((s) =>
      s.trim() === "all"
        ? ("all" as const)
        : s
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean),
    )
    .refine((s) => s === "all" || s.length > 0, "--scope: all, or at least one advertiser id"),
  "rate-limit": z.coerce.number().int().min(1, "--rate-limit must be ≥ 1").optional(),
});

const ingestFlags = z.strictObject({
  kind: z.literal("ingest"),
  name: nameFlag,
  "events-per-second": z.coerce
    .number({ error: "--events-per-second must be a number" })
    .int("--events-per-second must be a whole number")
    .min(1, "--events-per-second must be ≥ 1")
    .max(10_000_000, "--events-per-second must be at most 10000000")
    .optional(),
});

const keyIdSchema = z
  .string({ error: "give the key id, e.g. key_abc123def456" })
  .regex(/^key_[a-z0-9]{12}$/, "expected a key id like key_abc123def456");

class UsageError extends Error {}

function parseCreate(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      kind: { type: "string" },
      name: { type: "string" },
      scope: { type: "string" },
      "rate-limit": { type: "string" },
      "events-per-second": { type: "string" },
    },
    strict: true,
  });
  if (values.kind !== undefined && values.kind !== "partner" && values.kind !== "ingest")
    throw new UsageError("--kind must be partner (the query API, the default) or ingest (the collector)");
  const ingest = values.kind === "ingest";
  if (ingest && (values.scope !== undefined || values["rate-limit"] !== undefined))
    throw new UsageError("an ingest key takes no --scope or --rate-limit: its limit is --events-per-second");
  if (!ingest && values["events-per-second"] !== undefined)
    throw new UsageError("--events-per-second is for ingest keys (--kind ingest)");
  const parsed = (ingest ? ingestFlags : partnerFlags).safeParse(values);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error.issues));
  return parsed.data;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "create" && command !== "revoke" && command !== "list") {
    console.error(USAGE);
    return 2;
  }
  let createArgs: ReturnType<typeof parseCreate> | undefined;
  let revokeId: string | undefined;
  try {
    if (command === "create") createArgs = parseCreate(rest);
    if (command === "revoke") {
      const parsed = keyIdSchema.safeParse(rest[0]);
      if (!parsed.success || rest.length > 1)
        throw new UsageError(parsed.success ? "revoke takes one key id" : describeIssues(parsed.error.issues));
      revokeId = parsed.data;
    }
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }

  const db = createDb(dbEnv.DATABASE_URL, 1);
  try {
    if (createArgs?.kind === "ingest") {
      const created = await createIngestKey(db, {
        name: createArgs.name,
        eventsPerSecond: createArgs["events-per-second"],
        createdBy: "cli",
      });
      console.error(
        `created ingest key ${created.id} "${createArgs.name}" (${createArgs["events-per-second"] ?? DEFAULT_INGEST_EVENTS_PER_SECOND} events/s); send it as "Authorization: Bearer <key>" to the collector; the key is shown once:`,
      );
      console.log(created.key);
    } else if (createArgs) {
      const { name, scope } = createArgs;
      const created = await createApiKey(db, {
        name,
        scope: scope === "all" ? { kind: "all" } : { kind: "advertisers", advertiserIds: scope },
        rateLimitPerMinute: createArgs["rate-limit"],
        createdBy: "cli",
      });
      console.error(
        `created ${created.id} "${name}" (scope: ${scope === "all" ? "all advertisers" : scope.join(", ")}); the key is shown once:`,
      );
      console.log(created.key);
    } else if (revokeId) {
      if (!(await revokeApiKey(db, revokeId))) {
        console.error(`no key ${revokeId}`);
        return 1;
      }
      console.error(`revoked ${revokeId}`);
    } else {
      for (const k of await listApiKeys(db)) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
        if (k.kind === "ingest") {
          console.log(`${k.id}\t${k.name}\tingest\t${k.eventsPerSecond} events/s\t${state}`);
          continue;
        }
        const scope = k.scope.kind === "all" ? "all" : k.scope.advertiserIds.join(",");
        console.log(`${k.id}\t${k.name}\t${scope}\t${k.rateLimitPerMinute}/min\t${state}`);
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof QueryInputError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  } finally {
    await db.$client.end();
  }
}

process.exitCode = await main(process.argv.slice(2));
