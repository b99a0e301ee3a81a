// How a worker process is run, in one place: `npm start` (src/start.ts), the integration tests
// and the bench launch main.ts with these. A capped V8 heap, and glibc malloc told to return
// large freed blocks (Kafka fetches, query buffers) to the OS at once rather than keep them —
// together they hold the worker's RSS under 512 MB at the book's scale (measured by
// `npm run bench:aggregator`).
// The young generation is set apart from the cap: V8 sizes it from the heap limit, and at
// 192 MB it is so small that a second's counts are promoted and collected again as old objects.
// 8 MB semi-spaces rather than 16: less RSS for a little more CPU in scavenges (the bench
// shows both).
// ArrayBuffer.prototype.transfer (a staged feature in Node 20's V8) lets the dedup tables free
// the memory of a table they outgrew at once (id-set.ts).
export const WORKER_NODE_FLAGS = ["--max-old-space-size=192", "--max-semi-space-size=8", "--harmony-rab-gsab-transfer"];
export const WORKER_ENV = { MALLOC_MMAP_THRESHOLD_: "131072", MALLOC_TRIM_THRESHOLD_: "131072" };
