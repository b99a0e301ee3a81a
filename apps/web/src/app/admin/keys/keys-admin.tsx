"use client";
// Create and revoke partner API keys. A new key is shown once, here; only its hash is stored.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { loadingState } from "~/components/format";
import { useTRPC } from "~/trpc/react";

export function KeysAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.keys.list.queryOptions());
  const advertisers = useQuery(trpc.ops.advertisers.queryOptions());
  const [created, setCreated] = useState<{ id: string; key: string } | null>(null);
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
            const chosen = form.getAll("advertiser").map(String);
            const limit = String(form.get("rate") ?? "").trim();
            create.mutate({
              name: String(form.get("name") ?? ""),
              scope: form.get("all") === "on" ? "all" : chosen,
              ...(limit ? { rate_limit_per_minute: Number(limit) } : {}),
            });
          }}
        >
          <label>
            Name
            <input name="name" required placeholder="e.g. billing" />
          </label>
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
          <button type="submit" disabled={create.isPending}>
            Create key
          </button>
        </form>
        {create.isError && <p className="error">{create.error.message}</p>}
        {created && (
          <div data-testid="new-key">
            <p>
              Key <strong>{created.id}</strong> — copy it now, it is not shown again:
            </p>
            <code className="key">{created.key}</code>
          </div>
        )}
      </section>

      <section className="panel" data-testid="keys-list" data-loading-state={loadingState(keys)}>
        <h2>Keys</h2>
        {keys.isError && <p className="error">{keys.error.message}</p>}
        <table>
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Scope</th>
              <th className="num">Limit / min</th>
              <th>Created</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {(keys.data ?? []).map((k) => (
              <tr key={k.id} data-testid="key-row" data-key-id={k.id}>
                <td>{k.id}</td>
                <td>{k.name}</td>
                <td>{k.scope === "all" ? "all advertisers" : k.scope.join(", ")}</td>
                <td className="num">{k.rate_limit_per_minute}</td>
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
                        if (window.confirm(`Revoke ${k.id} (${k.name})? Partners using it get 401 at once.`)) {
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
      </section>
    </>
  );
}
