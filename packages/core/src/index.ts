// Public surface of @adclicks/core: pure domain logic (no I/O).
export * from "./click";
export * from "./countries";
