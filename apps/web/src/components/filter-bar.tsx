"use client";
// The dashboards' controls: range (last M minutes, today, custom), country picker, ip and
// user_id, time zone. Every change goes to the URL; a value the API would refuse gets its message
// inline (checked with the API's own schemas) and is not applied.
import { filterShape, WINDOW_PRESETS } from "@adclicks/api/schemas";
import { parseLocalInputValue, toLocalInputValue, UTC } from "@adclicks/core";
import { useEffect, useId, useState } from "react";
import { COUNTRY_OPTIONS } from "./countries";
import type { DashboardUrlState } from "./use-dashboard-params";

const windowLabel = (m: number) => (m < 60 ? `${m}m` : `${m / 60}h`);
const windowTitle = (m: number) => (m < 60 ? `last ${m} minutes` : `last ${m / 60} hours`);

function useBrowserZone(): string | null {
  const [zone, setZone] = useState<string | null>(null);
  useEffect(() => setZone(Intl.DateTimeFormat().resolvedOptions().timeZone), []);
  return zone;
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span className="field-error" id={id} data-testid="field-error">
      {message}
    </span>
  );
}

/** A text filter applied on Enter or when the field loses focus, validated first. */
function TextFilter(props: { name: "ip" | "user_id"; label: string; placeholder: string; state: DashboardUrlState }) {
  const { state, name } = props;
  const applied = state.raw[name] ?? "";
  const [text, setText] = useState(applied);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setText(applied);
    setError(undefined);
  }, [applied]);
  const id = useId();
  const message = error ?? state.errors[name];
  const commit = () => {
    const value = text.trim();
    if (value === (state.params[name] ?? "") && !state.errors[name]) return setError(undefined);
    if (value === "") return state.update({ [name]: undefined });
    const r = filterShape[name].safeParse(value);
    if (!r.success) return setError(r.error.issues[0]?.message ?? "invalid");
    setError(undefined);
    state.update({ [name]: r.data });
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={name}
        value={text}
        placeholder={props.placeholder}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-err` : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit();
          }
        }}
      />
      <FieldError id={`${id}-err`} message={message} />
    </div>
  );
}

function CustomRange({ state, onDone }: { state: DashboardUrlState; onDone: () => void }) {
  const { tz } = state.params;
  const now = Date.now();
  const [from, setFrom] = useState(() => toLocalInputValue(state.params.from ?? now - 3_600_000, tz));
  const [to, setTo] = useState(() => toLocalInputValue(state.params.to ?? now, tz));
  const [error, setError] = useState<string | undefined>();
  const id = useId();
  const message = error ?? state.errors.from ?? state.errors.to;
  return (
    <form
      className="custom-range"
      onSubmit={(e) => {
        e.preventDefault();
        const f = parseLocalInputValue(from, tz);
        const t = parseLocalInputValue(to, tz);
        if (f === undefined || t === undefined) return setError("give both ends as date and time");
        if (f >= t) return setError("from: must be before to");
        if (t - f > 31 * 86_400_000) return setError("to: the range may span at most 31 days");
        setError(undefined);
        state.update({ range: "custom", from: f, to: t });
        onDone();
      }}
    >
      <label className="field">
        <span>From ({tz})</span>
        <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
      </label>
      <label className="field">
        <span>To ({tz})</span>
        <input
          type="datetime-local"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          required
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? `${id}-err` : undefined}
        />
      </label>
      <button type="submit">Apply range</button>
      <FieldError id={`${id}-err`} message={message} />
    </form>
  );
}

export function FilterBar({ state }: { state: DashboardUrlState }) {
  const { params, errors, raw } = state;
  const browserZone = useBrowserZone();
  const [customOpen, setCustomOpen] = useState(params.range === "custom");
  const countryId = useId();
  const zones = [...new Set([UTC, ...(browserZone ? [browserZone] : []), params.tz, ...(raw.tz ? [raw.tz] : [])])];
  const active = [params.country, params.ip, params.user_id].filter(Boolean).length;
  return (
    <div className="filter-bar" data-testid="filter-bar">
      <div className="range-row">
        <fieldset className="segmented">
          <legend className="sr-only">Range</legend>
          {WINDOW_PRESETS.map((m) => (
            <button
              key={m}
              type="button"
              aria-pressed={params.range === m}
              title={windowTitle(m)}
              data-testid={`range-${m}`}
              onClick={() => {
                setCustomOpen(false);
                state.update({ range: m, from: undefined, to: undefined });
              }}
            >
              {windowLabel(m)}
            </button>
          ))}
          <button
            type="button"
            aria-pressed={params.range === "today"}
            data-testid="range-today"
            onClick={() => {
              setCustomOpen(false);
              state.update({ range: "today", from: undefined, to: undefined });
            }}
          >
            Today
          </button>
          <button
            type="button"
            aria-pressed={params.range === "custom"}
            aria-expanded={customOpen}
            data-testid="range-custom"
            onClick={() => setCustomOpen((v) => !v)}
          >
            Custom
          </button>
        </fieldset>
        {typeof params.range === "number" && !(WINDOW_PRESETS as readonly number[]).includes(params.range) && (
          <span className="muted">{windowTitle(params.range)}</span>
        )}
        <FieldError id="range-err" message={errors.range} />
      </div>
      {customOpen && <CustomRange state={state} onDone={() => setCustomOpen(false)} />}
      <div className="filter-fields">
        <div className="field">
          <label htmlFor={countryId}>Country</label>
          <select
            id={countryId}
            name="country"
            value={errors.country ? (raw.country ?? "") : (params.country ?? "")}
            aria-invalid={errors.country ? true : undefined}
            aria-describedby={errors.country ? `${countryId}-err` : undefined}
            onChange={(e) => state.update({ country: e.target.value || undefined })}
          >
            <option value="">All countries</option>
            {errors.country && raw.country && <option value={raw.country}>{raw.country} (invalid)</option>}
            {COUNTRY_OPTIONS.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name} ({c.code})
              </option>
            ))}
          </select>
          <FieldError id={`${countryId}-err`} message={errors.country} />
        </div>
        <TextFilter name="ip" label="IP" placeholder="203.0.113.7" state={state} />
        <TextFilter name="user_id" label="User id" placeholder="user-42" state={state} />
        <div className="field">
          <label htmlFor={`${countryId}-tz`}>Time zone</label>
          <select
            id={`${countryId}-tz`}
            name="tz"
            value={errors.tz ? (raw.tz ?? UTC) : params.tz}
            onChange={(e) => state.update({ tz: e.target.value })}
          >
            {zones.map((z) => (
              <option key={z} value={z}>
                {z === UTC ? "UTC" : z === browserZone ? `${z} (this browser)` : z}
              </option>
            ))}
          </select>
          <FieldError id="tz-err" message={errors.tz} />
        </div>
        {active > 0 && (
          <button
            type="button"
            className="link-button clear"
            onClick={() => state.update({ country: undefined, ip: undefined, user_id: undefined })}
          >
            Clear {active} filter{active === 1 ? "" : "s"}
          </button>
        )}
      </div>
    </div>
  );
}
