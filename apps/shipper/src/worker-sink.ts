// A LineSink over worker threads, each with its own idempotent producer: kafkajs spends ~5 µs
// of CPU per message encoding a request, more than validating the line, and one producer may
// have only one request in flight. With several, one thread encodes while Kafka writes what
// another sent. Blocks go round robin; a worker that dies fails its blocks (the shipper re-reads
// them) and is replaced.
import { Worker } from "node:worker_threads";
import type { DeadLetter, ProducerCompression, TopicNames } from "@adclicks/kafka";
import type { Logger } from "pino";
import type { BlockMeta } from "./lines";
import type { LineSink, Shipped } from "./sink";

export interface SinkWorkerConfig {
  brokers: string;
  clientId: string;
  topics: TopicNames;
  compression: ProducerCompression;
}

export type ToWorker =
  | { type: "lines"; id: number; block: Uint8Array; meta: BlockMeta }
  | { type: "dead-letter"; id: number; deadLetter: DeadLetter }
  | { type: "close" };

export type FromWorker =
  | { type: "ready" }
  | { type: "unreachable"; err: Error }
  | { type: "shipped"; id: number; shipped: Shipped }
  | { type: "failed"; id: number; name: string; message: string }
  | { type: "closed" };

/** Worker threads do not inherit tsx's loader on Node 20: this plain module registers it. */
const BOOT = new URL("./sink-worker-boot.mjs", import.meta.url);
const ENTRY = new URL("./sink-worker.ts", import.meta.url).href;

interface Pending {
  resolve(s: Shipped): void;
  reject(err: Error): void;
}

class Slot {
  worker!: Worker;
  readonly pending = new Map<number, Pending>();
  ready!: Promise<void>;
  /** Set when its worker died before connecting: requests fail at once. */
  broken: Error | undefined;
  closed: Promise<void> | undefined;
}

export class WorkerSink implements LineSink {
  readonly parallelism: number;
  private readonly slots: Slot[] = [];
  private next = 0;
  private ids = 0;
  private closing = false;

  constructor(
    count: number,
    private readonly config: SinkWorkerConfig,
    private readonly log: Logger,
  ) {
    this.parallelism = count;
    for (let i = 0; i < count; i++) {
      const slot = new Slot();
      this.slots.push(slot);
      this.spawn(slot, i);
    }
  }

  /** Resolves once every worker's producer is connected (they wait for Kafka as long as it takes). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  lines(block: Buffer, meta: BlockMeta): Promise<Shipped> {
    // Moving the memory saves a copy, but only a buffer of its own may move: a small Buffer
    // shares Node's pool with unrelated ones.
    const own = block.byteOffset === 0 && block.buffer.byteLength > Buffer.poolSize;
    const data = own ? block : copyOwn(block);
    return this.request({ type: "lines", id: ++this.ids, block: data, meta }, [data.buffer as ArrayBuffer]);
  }

  deadLetter(deadLetter: DeadLetter): Promise<Shipped> {
    return this.request({ type: "dead-letter", id: ++this.ids, deadLetter }, []);
  }

  /** Lets every worker finish its sends and disconnect (at most `graceMs`); then they exit. */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map((s) => {
        s.closed ??= new Promise<void>((resolve) => {
          if (s.broken) return resolve(); // already exited
          const worker = s.worker;
          const kill = setTimeout(() => void worker.terminate(), graceMs);
          worker.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          worker.postMessage({ type: "close" } satisfies ToWorker);
        });
        return s.closed;
      }),
    );
  }

  private request(msg: ToWorker & { id: number }, transfer: ArrayBuffer[]): Promise<Shipped> {
    if (this.closing) return Promise.reject(new Error("the shipper's producers are closing"));
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) % this.slots.length;
    if (slot.broken) return Promise.reject(slot.broken);
    return new Promise<Shipped>((resolve, reject) => {
      slot.pending.set(msg.id, { resolve, reject });
      slot.worker.postMessage(msg, transfer);
    });
  }

  private spawn(slot: Slot, index: number): void {
    const worker = new Worker(BOOT, {
      workerData: { entry: ENTRY, config: { ...this.config, clientId: `${this.config.clientId}-${index}` } },
    });
    slot.worker = worker;
    let started = false;
    let crash: Error | undefined;
    let settleReady!: (err?: Error) => void;
    slot.ready = new Promise<void>((resolve, reject) => {
      settleReady = (err) => (err ? reject(err) : resolve());
    });
    slot.ready.catch(() => {}); // only the first start is awaited (ready())
    worker.on("message", (msg: FromWorker) => {
      switch (msg.type) {
        case "ready":
          started = true;
          settleReady();
          break;
        case "unreachable":
          this.log.warn({ worker: index, err: msg.err }, "Kafka not reachable yet; retrying");
          break;
        case "shipped":
          slot.pending.get(msg.id)?.resolve(msg.shipped);
          slot.pending.delete(msg.id);
          break;
        case "failed": {
          const err = Object.assign(new Error(msg.message), { name: msg.name });
          slot.pending.get(msg.id)?.reject(err);
          slot.pending.delete(msg.id);
          break;
        }
        case "closed":
          break;
      }
    });
    worker.on("error", (err) => {
      crash = err;
      this.log.error({ worker: index, err }, "shipper worker crashed");
    });
    worker.on("exit", (code) => {
      const lost = new Error(`shipper worker ${index} exited with code ${code} before Kafka acknowledged`);
      for (const p of slot.pending.values()) p.reject(lost);
      slot.pending.clear();
      if (this.closing || worker !== slot.worker) return;
      if (!started) {
        // It could not even start (a broken install, say): starting it again would fail the same way.
        slot.broken = new Error(
          `shipper worker ${index} exited with code ${code} while starting${crash ? `: ${crash.message}` : ""}`,
        );
        settleReady(slot.broken);
        return;
      }
      this.log.warn({ worker: index, code }, "shipper worker exited: starting another");
      this.spawn(slot, index);
    });
  }
}

function copyOwn(b: Buffer): Buffer {
  const c = Buffer.allocUnsafeSlow(b.length);
  b.copy(c);
  return c;
}
