// Inputs of the ops procedures: chart ranges, the silence (acknowledgement) of an alert, the
// dead-letter browser's page. Label names and values are checked as Alertmanager takes them.
import { z } from "zod";
import { textParam } from "./query-params";

export const CHART_RANGES_MINUTES = [15, 60, 360, 1440] as const;

export const opsChartsInput = z.object({
  minutes: z.literal(CHART_RANGES_MINUTES, { error: `minutes: one of ${CHART_RANGES_MINUTES.join(", ")}` }).default(60),
});

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name");

export const silenceAlertInput = z.object({
  alertname: labelName,
  labels: z.record(labelName, textParam(200)).refine((l) => Object.keys(l).length <= 12, "at most 12 labels"),
  minutes: z
    .number()
    .int()
    .min(5, "silence at least 5 minutes")
    .max(7 * 24 * 60, "silence at most 7 days")
    .default(60),
  comment: textParam(500).trim().min(1, "say why (e.g. who is looking at it)"),
});

export const deadLettersInput = z.object({
  reason: textParam(100).min(1, "a dead-letter reason, e.g. malformed_json").optional(),
  beforeId: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
