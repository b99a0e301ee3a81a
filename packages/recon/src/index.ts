// Public surface of @adclicks/recon: reconciliation and recalculation (docs/reconciliation.md) —
// the recount of a range from Kafka through the live operator, carrying out a run, the schedule.
export * from "./recount-range";
export * from "./run";
export * from "./schedule";
