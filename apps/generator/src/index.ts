// Public surface of @adclicks/generator: the pure generation logic (PRNG, Zipf sampler, event
// builder, ground truth, pacing) that the aggregator's tests and benchmarks reuse.
export * from "./events";
export * from "./ground-truth";
export * from "./pacer";
export * from "./prng";
export * from "./zipf";
