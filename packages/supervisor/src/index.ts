// Public surface of @adclicks/supervisor: the restart policy (pure) and the process supervisor.
export * from "./restart-policy";
export * from "./supervisor";
