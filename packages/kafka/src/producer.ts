// The idempotent, acks=all producer every ingest path uses, its key-hash partitioner, and a
// batching front for it that coalesces concurrent callers into few large produce requests and
// fails fast when Kafka stalls.
import {
  type CompressionTypes,
  type ICustomPartitioner,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type TopicMessages,
} from "./kafkajs";

/** Kafka's default message.max.bytes is ~1 MB per record batch; stay well under it per request. */
export const DEFAULT_MAX_REQUEST_BYTES = 768 * 1024;

export interface IdempotentProducerOptions {
  /** Upper bound of the retry backoff; retries themselves never stop (idempotence needs that). */
  maxRetryTimeMs?: number;
}

/** Scratch space for ASCII keys, so hashing one allocates nothing. */
let scratch = new Uint8Array(256);

/**
 * Kafka's murmur2 (`Utils.murmur2` of the Java client) over the key's UTF-8 bytes, in 32-bit
 * integer arithmetic. kafkajs' own version computes it with 64-bit Long objects, a dozen
 * allocations per message.
 */
export function murmur2(key: string | Uint8Array): number {
  let data: Uint8Array;
  let length: number;
  if (typeof key !== "string") {
    data = key;
    length = key.length;
  } else {
    if (key.length > scratch.length) scratch = new Uint8Array(key.length * 2);
    data = scratch;
    length = key.length;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c >= 0x80) {
        data = Buffer.from(key, "utf8");
        length = data.length;
        break;
      }
      scratch[i] = c;
    }
  }
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  // Java's switch falls through from case 3 to case 1.
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives a keyed message. */
export function partitionForKey(key: string | Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * kafkajs' DefaultPartitioner, made cheap: an explicit `partition` wins, a key is hashed with
 * murmur2 (same partition as kafkajs, Java, Go and librdkafka clients), and only keyless
 * messages go to kafkajs' round robin. kafkajs' own filters the partition list and hashes with
 * Long objects for every message, a cost the ingest paths pay per click.
 */
export const KeyHashPartitioner: ICustomPartitioner = () => {
  const roundRobin = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    if (message.key !== undefined && message.key !== null)
      return partitionForKey(message.key, partitionMetadata.length);
    return roundRobin(args);
  };
};

/**
 * An idempotent producer with Kafka's default murmur2 partitioning (where Java/Go/librdkafka
 * clients put the same key). Retries are unbounded on purpose: kafkajs rolls sequence numbers
 * back when it gives up, which can make the broker ack a different batch as a "duplicate".
 * Callers bound their wait instead (see BatchingProducer's stall detection).
 *
 * Keep at most one send in flight per producer (BatchingProducer and the shipper's sinks do):
 * when a request fails, kafkajs rolls its sequence numbers back, and a second send already
 * waiting would take them over; if the failed request had in fact been written, the broker
 * takes the second one (when its record counts match) for a retry of the first: it acknowledges
 * it and drops it.
 */
export function createIdempotentProducer(kafka: Kafka, opts: IdempotentProducerOptions = {}): Producer {
  return kafka.producer({
    idempotent: true,
    allowAutoTopicCreation: false,
    createPartitioner: KeyHashPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: opts.maxRetryTimeMs ?? 2_000 },
  });
}

/** Sends one request's worth of messages with acks=all; resolves when Kafka acknowledged all of them. */
export function acksAllSender(producer: Producer, compression?: CompressionTypes) {
  return async (topicMessages: TopicMessages[]): Promise<void> => {
    await producer.sendBatch({ topicMessages, acks: -1, compression });
  };
}

/** Thrown when a batch is refused up front: Kafka is stalled, the queue is full, or we are closing. */
export class ProducerUnavailableError extends Error {
  constructor(
    message: string,
    readonly why: "stalled" | "backpressure" | "closed",
  ) {
    super(message);
    this.name = "ProducerUnavailableError";
  }
}

export interface BatchingProducerOptions {
  /** Messages queued (not yet acknowledged) above which new batches are refused. */
  maxPendingMessages?: number;
  /** Bytes (keys + values) per produce request. */
  maxRequestBytes?: number;
  /** A request in flight longer than this marks the producer stalled: new batches are refused. */
  stallAfterMs?: number;
  now?: () => number;
}

interface Owner {
  remaining: number;
  settled: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

interface Segment {
  owner: Owner;
  topic: string;
  messages: Message[];
  pos: number;
}

export interface BatchingStats {
  pendingMessages: number;
  inFlightMs: number | undefined;
  requests: number;
  failures: number;
}

/**
 * Coalesces concurrent `send` calls into produce requests of bounded size, one in flight at a
 * time (kafkajs serializes idempotent requests per broker anyway), preserving order. Each
 * caller's promise resolves only when every one of its messages was acknowledged, and rejects
 * if any was not.
 */
export class BatchingProducer {
  private readonly queue: Segment[] = [];
  private pendingMessages = 0;
  private inFlightSince: number | undefined;
  private draining = false;
  private closed = false;
  private requests = 0;
  private failures = 0;
  private readonly maxPending: number;
  private readonly maxBytes: number;
  private readonly stallAfterMs: number;
  private readonly now: () => number;
  private idle: Array<() => void> = [];

  constructor(
    private readonly sendRequest: (topicMessages: TopicMessages[]) => Promise<void>,
    opts: BatchingProducerOptions = {},
  ) {
    this.maxPending = opts.maxPendingMessages ?? 200_000;
    this.maxBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.stallAfterMs = opts.stallAfterMs ?? 5_000;
    this.now = opts.now ?? Date.now;
  }

  /** True while a request has been waiting for Kafka longer than `stallAfterMs`. */
  get stalled(): boolean {
    return this.inFlightSince !== undefined && this.now() - this.inFlightSince > this.stallAfterMs;
  }

  stats(): BatchingStats {
    return {
      pendingMessages: this.pendingMessages,
      inFlightMs: this.inFlightSince === undefined ? undefined : this.now() - this.inFlightSince,
      requests: this.requests,
      failures: this.failures,
    };
  }

  send(batch: ReadonlyArray<{ topic: string; messages: Message[] }>): Promise<void> {
    if (this.closed) return Promise.reject(new ProducerUnavailableError("the producer is closing", "closed"));
    if (this.stalled)
      return Promise.reject(
        new ProducerUnavailableError(`Kafka has not acknowledged a request for ${this.stallAfterMs} ms`, "stalled"),
      );
    let count = 0;
    for (const b of batch) count += b.messages.length;
    if (count === 0) return Promise.resolve();
    if (this.pendingMessages + count > this.maxPending)
      return Promise.reject(
        new ProducerUnavailableError(`more than ${this.maxPending} messages are waiting for Kafka`, "backpressure"),
      );
    this.pendingMessages += count;
    return new Promise<void>((resolve, reject) => {
      const owner: Owner = { remaining: count, settled: false, resolve, reject };
      for (const b of batch) {
        if (b.messages.length > 0) this.queue.push({ owner, topic: b.topic, messages: b.messages, pos: 0 });
      }
      if (!this.draining) {
        this.draining = true;
        // Defer one macrotask so callers arriving in the same tick share the request.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves once everything queued so far has been acknowledged or has failed. */
  flush(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Refuses new batches, then waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private takeRequest(): { topicMessages: TopicMessages[]; owners: Map<Owner, number>; count: number } {
    const byTopic = new Map<string, Message[]>();
    const owners = new Map<Owner, number>();
    let bytes = 0;
    let count = 0;
    while (this.queue.length > 0) {
      const seg = this.queue[0]!;
      if (seg.owner.settled) {
        // Its caller was already told it failed (it will retry the whole batch): don't send the rest.
        this.pendingMessages -= seg.messages.length - seg.pos;
        this.queue.shift();
        continue;
      }
      let list = byTopic.get(seg.topic);
      if (!list) {
        list = [];
        byTopic.set(seg.topic, list);
      }
      let taken = 0;
      while (seg.pos < seg.messages.length) {
        const m = seg.messages[seg.pos]!;
        const size = messageBytes(m);
        // Always take at least one message, or an oversized one would block the queue forever.
        if (count > 0 && bytes + size > this.maxBytes) break;
        list.push(m);
        bytes += size;
        count++;
        taken++;
        seg.pos++;
      }
      if (taken > 0) owners.set(seg.owner, (owners.get(seg.owner) ?? 0) + taken);
      if (seg.pos < seg.messages.length) break;
      this.queue.shift();
    }
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of byTopic) if (messages.length > 0) topicMessages.push({ topic, messages });
    return { topicMessages, owners, count };
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const { topicMessages, owners, count } = this.takeRequest();
      this.inFlightSince = this.now();
      this.requests++;
      try {
        await this.sendRequest(topicMessages);
        for (const [owner, n] of owners) {
          owner.remaining -= n;
          if (owner.remaining === 0 && !owner.settled) {
            owner.settled = true;
            owner.resolve();
          }
        }
      } catch (err) {
        this.failures++;
        for (const owner of owners.keys()) {
          if (!owner.settled) {
            owner.settled = true;
            owner.reject(err);
          }
        }
      } finally {
        this.inFlightSince = undefined;
        this.pendingMessages -= count;
      }
    }
    this.draining = false;
    const idle = this.idle;
    this.idle = [];
    for (const r of idle) r();
  }
}

/**
 * Splits messages, in order, into runs of at most `maxBytes` (keys + values) each, for one
 * produce request apiece: Kafka refuses a record batch over its message.max.bytes, and for good
 * (the retry would send the same batch). A message larger than the bound alone is a run of its own.
 */
export function splitByBytes<M extends Message>(messages: readonly M[], maxBytes = DEFAULT_MAX_REQUEST_BYTES): M[][] {
  const runs: M[][] = [];
  let run: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (run.length > 0 && bytes + size > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(m);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function messageBytes(m: Message): number {
  const k = m.key;
  const v = m.value;
  // Strings are counted in UTF-16 units: close enough for a bound with headroom.
  return 64 + (k == null ? 0 : k.length) + (v == null ? 0 : v.length);
}
