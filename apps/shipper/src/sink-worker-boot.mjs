// Entry of a shipper worker thread. On Node 20, worker threads do not inherit tsx's loader from
// `node --import tsx`: register it for this thread, then load the TypeScript worker.
import { workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

await tsImport(workerData.entry, import.meta.url);
