// API keys, managed by ops users from the admin page (the CLI calls the same queries): partner
// keys for the query API and ingest keys for the collector.
import { createApiKey, createIngestKey, listApiKeys, revokeApiKey } from "@adclicks/db/queries";
import { TRPCError, type TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { textParam } from "../schemas/query-params";
import { opsProcedure } from "../trpc";

export const keyNameSchema = textParam(80)
  .trim()
  .min(1, "must not be empty")
  .max(80, "at most 80 characters")
  .regex(/^[\w .:@-]+$/, "letters, digits, spaces and _ . : @ - only");

const partnerKeyInput = z.strictObject({
  kind: z.literal("partner").optional(),
  name: keyNameSchema,
  scope: z.union([
    z.literal("all"),
    z
      .array(textParam(128).min(1, "must not be empty"))
      .min(1, "name at least one advertiser")
      .max(1000, "at most 1000 advertisers"),
  ]),
  rate_limit_per_minute: z.number().int().min(1).max(1_000_000).optional(),
});

const ingestKeyInput = z.strictObject({
  kind: z.literal("ingest"),
  name: keyNameSchema,
  events_per_second: z.number().int().min(1).max(10_000_000).optional(),
});

/** A partner key (the default kind) or an ingest key; each refuses the other's fields. */
export const createKeyInput = z.discriminatedUnion("kind", [partnerKeyInput, ingestKeyInput]);

export const keysRouter = {
  list: opsProcedure.query(async ({ ctx }) =>
    (await listApiKeys(ctx.db)).map((k) => ({
      id: k.id,
      kind: k.kind,
      name: k.name,
      scope: k.kind === "ingest" ? null : k.scope.kind === "all" ? ("all" as const) : k.scope.advertiserIds,
      rate_limit_per_minute: k.kind === "partner" ? k.rateLimitPerMinute : null,
      events_per_second: k.kind === "ingest" ? k.eventsPerSecond : null,
      created_at: k.createdAt.toISOString(),
      created_by: k.createdBy,
      revoked_at: k.revokedAt?.toISOString() ?? null,
    })),
  ),

  /** Returns the key itself once; only its hash is stored. */
  create: opsProcedure.input(createKeyInput).mutation(async ({ ctx, input }) => {
    const created =
      input.kind === "ingest"
        ? await createIngestKey(ctx.db, {
            name: input.name,
            eventsPerSecond: input.events_per_second,
            createdBy: ctx.viewer.email,
          })
        : await createApiKey(ctx.db, {
            name: input.name,
            scope: input.scope === "all" ? { kind: "all" } : { kind: "advertisers", advertiserIds: input.scope },
            rateLimitPerMinute: input.rate_limit_per_minute,
            createdBy: ctx.viewer.email,
          });
    return { id: created.id, key: created.key, kind: input.kind ?? "partner" };
  }),

  revoke: opsProcedure
    .input(z.strictObject({ id: z.string().regex(/^key_[a-z0-9]{12}$/, "expected a key id like key_abc123def456") }))
    .mutation(async ({ ctx, input }) => {
      if (!(await revokeApiKey(ctx.db, input.id))) {
        throw new TRPCError({ code: "NOT_FOUND", message: `id: no key ${input.id}` });
      }
      return { id: input.id, revoked: true };
    }),
} satisfies TRPCRouterRecord;
