// Public surface of @adclicks/core: pure domain logic (no I/O).
export * from "./aggregator";
export * from "./click";
export * from "./click-scan";
export * from "./consumer-lag";
export * from "./countries";
export * from "./counts";
export * from "./dedup";
export * from "./hot-ads";
export * from "./id-set";
export * from "./ip";
export * from "./rate-limit";
export * from "./recount";
export * from "./time";
export * from "./time-zones";
export * from "./top-n";
export * from "./watermark";
