// The ops domain (ops role only): pipeline health from Postgres (finality, late events, catalog
// misses), the alerts, their 24 h history and the charts from Prometheus and Alertmanager
// (through the server: the browser never talks to them), acknowledging an alert (an
// Alertmanager silence) and the dead-letter browser.
import { getPipelineHealth, listAdvertisers, listDeadLetters } from "@adclicks/db/queries";
import { TRPCError, type TRPCRouterRecord } from "@trpc/server";
import { type MonitoringClient, MonitoringUnavailableError } from "../monitoring/client";
import { getAlertHistory, getAlertOverview, getOpsCharts, silenceAlert } from "../monitoring/ops-monitoring";
import { deadLettersInput, opsChartsInput, silenceAlertInput } from "../schemas/ops";
import { type Context, opsProcedure } from "../trpc";

function monitoringOf(ctx: Context): MonitoringClient {
  if (ctx.monitoring) return ctx.monitoring;
  const missing = (service: "Prometheus" | "Alertmanager") => () =>
    Promise.reject(new MonitoringUnavailableError(service, "(not configured)", "no URL given to the API"));
  return {
    prometheusUrl: "",
    alertmanagerUrl: "",
    prometheusAlerts: missing("Prometheus"),
    query: missing("Prometheus"),
    queryRange: missing("Prometheus"),
    alertmanagerAlerts: missing("Alertmanager"),
    silences: missing("Alertmanager"),
    createSilence: missing("Alertmanager"),
  };
}

export const opsRouter = {
  health: opsProcedure.query(({ ctx }) => getPipelineHealth(ctx)),
  advertisers: opsProcedure.query(({ ctx }) => listAdvertisers(ctx.db)),
  alerts: opsProcedure.query(({ ctx }) => getAlertOverview(monitoringOf(ctx))),
  alertHistory: opsProcedure.query(({ ctx }) => getAlertHistory(monitoringOf(ctx), ctx.now())),
  charts: opsProcedure
    .input(opsChartsInput)
    .query(({ ctx, input }) => getOpsCharts(monitoringOf(ctx), ctx.now(), input.minutes)),
  silence: opsProcedure.input(silenceAlertInput).mutation(async ({ ctx, input }) => {
    try {
      return await silenceAlert(
        monitoringOf(ctx),
        input,
        ctx.viewer.kind === "user" ? ctx.viewer.email : "ops",
        ctx.now(),
      );
    } catch (err) {
      if (err instanceof MonitoringUnavailableError)
        throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: err.message, cause: err });
      throw err;
    }
  }),
  deadLetters: opsProcedure.input(deadLettersInput).query(({ ctx, input }) => listDeadLetters(ctx.db, input)),
} satisfies TRPCRouterRecord;
