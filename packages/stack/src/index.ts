// Public surface of @adclicks/stack: private servers, an isolated pipeline of the apps under
// the supervisor, the generator as a child, API-vs-truth comparison, and the chaos scenarios.
export * from "./chaos";
export * from "./compare";
export * from "./generator-run";
export * from "./pipeline";
export * from "./private-infra";
