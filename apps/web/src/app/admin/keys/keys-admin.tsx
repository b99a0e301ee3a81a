"use client";
// Create and revoke API keys: partner keys (the query API) and ingest keys (ad servers sending to
// the collector). A new key is shown once, here; only its hash is stored.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { loadingState } from "~/components/format";
import { ScrollRegion } from "~/components/scroll-region";
import { useTRPC } from "~/trpc/react";

export function KeysAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.keys.list.queryOptions());
  const advertisers = useQuery(trpc.ops.advertisers.queryOptions());
  const [created, setCreated] = useState<{ id: string; key: string; kind: string } | null>(null);
  const [kind, setKind] = useState<"partner" | "ingest">("partner");
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.keys.list.queryKey() });
  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: (data) => {
        setCreated(data);
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.keys.revoke.mutationOptions({ onSuccess: () => void refresh() }));

  return (
    <>
      <section className="panel">
        <h2>New key</h2>
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            const name = String(form.get("name") ?? "");
            if (kind === "ingest") {
              const eps = String(form.get("eps") ?? "").trim();
              create.mutate({ kind: "ingest", name, ...(eps ? { events_per_second: Number(eps) } : {}) });
              return;
            }
            const chosen = form.getAll("advertiser").map(String);
            const limit = String(form.get("rate") ?? "").trim();
            create.mutate({
              name,
              scope: form.get("all") === "on" ? "all" : chosen,
              ...(limit ? { rate_limit_per_minute: Number(limit) } : {}),
            });
          }}
        >
          <label>
            Kind
            <select
              name="kind"
              value={kind}
              onChange={(e) => setKind(e.currentTarget.value === "ingest" ? "ingest" : "partner")}
            >
              <option value="partner">Partner key (query API)</option>
              <option value="ingest">Ingest key (an ad server sending clicks)</option>
            </select>
          </label>
          <label>
            Name
            <input name="name" required placeholder={kind === "ingest" ? "e.g. adserver-1" : "e.g. billing"} />
          </label>
          {kind === "partner" ? (
            <>
              <label>
                <span>
                  <input type="checkbox" name="all" /> All advertisers (internal consumers)
                </span>
              </label>
              {(advertisers.data ?? []).map((a) => (
                <label key={a.id}>
                  <span>
                    <input type="checkbox" name="advertiser" value={a.id} /> {a.name} ({a.id})
                  </span>
                </label>
              ))}
              <label>
                Requests per minute
                <input name="rate" type="number" min={1} placeholder="6000" />
              </label>
            </>
          ) : (
            <label>
              Events per second
              <input name="eps" type="number" min={1} placeholder="10000" />
            </label>
          )}
          <button type="submit" disabled={create.isPending}>
            Create key
          </button>
        </form>
        {create.isError && <p className="error">{create.error.message}</p>}
        {created && (
          <div data-testid="new-key">
            <p>
              {created.kind === "ingest" ? "Ingest key" : "Key"} <strong>{created.id}</strong> — copy it now, it is not
              shown again:
            </p>
            <code className="key">{created.key}</code>
            {created.kind === "ingest" && (
              <p className="muted">
                The ad server sends it to the collector as <code>Authorization: Bearer …</code>.
              </p>
            )}
          </div>
        )}
      </section>

      <section className="panel" data-testid="keys-list" data-loading-state={loadingState(keys)}>
        <h2>Keys</h2>
        {keys.isError && <p className="error">{keys.error.message}</p>}
        <ScrollRegion label="Keys" capped={false}>
          <table>
            <thead>
              <tr>
                <th>Id</th>
                <th>Kind</th>
                <th>Name</th>
                <th>Scope</th>
                <th className="num">Limit</th>
                <th>Created</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {(keys.data ?? []).map((k) => (
                <tr key={k.id} data-testid="key-row" data-key-id={k.id}>
                  <td>{k.id}</td>
                  <td>{k.kind}</td>
                  <td>{k.name}</td>
                  <td>{k.scope === null ? "—" : k.scope === "all" ? "all advertisers" : k.scope.join(", ")}</td>
                  <td className="num">
                    {k.kind === "ingest" ? `${k.events_per_second} events/s` : `${k.rate_limit_per_minute} / min`}
                  </td>
                  <td>
                    {k.created_at.slice(0, 16).replace("T", " ")} {k.created_by ? `by ${k.created_by}` : ""}
                  </td>
                  <td>
                    {k.revoked_at ? (
                      <span className="badge bad">revoked</span>
                    ) : (
                      <button
                        type="button"
                        className="secondary"
                        disabled={revoke.isPending}
                        onClick={() => {
                          if (window.confirm(`Revoke ${k.id} (${k.name})? Whoever uses it gets 401 at once.`)) {
                            revoke.mutate({ id: k.id });
                          }
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      </section>
    </>
  );
}
