// How a worker process is run (mirrored by the `start` script in package.json, which cannot
// import it): a capped V8 heap, and glibc malloc told to return large freed blocks (Kafka
// fetches, query buffers) to the OS at once rather than keep them — together they hold the
// worker's RSS under 512 MB at the book's scale (measured by `npm run bench:aggregator`).
export const WORKER_NODE_FLAGS = ["--max-old-space-size=192"];
export const WORKER_ENV = { MALLOC_MMAP_THRESHOLD_: "131072", MALLOC_TRIM_THRESHOLD_: "131072" };
