// Where the shipper's blocks of lines go: validated, encoded and produced to Kafka, each call
// resolving only once Kafka acknowledged it. `localSink` does it on the calling thread with one
// producer; `WorkerSink` (worker-sink.ts) spreads blocks over worker threads, each with its own.
import { type DeadLetter, deadLetterMessage, type TopicMessages, type TopicNames } from "@adclicks/kafka";
import { type BlockMeta, encodeLines } from "./lines";

export interface Shipped {
  clicks: number;
  deadLetters: number;
}

export interface LineSink {
  /** Sends in flight at once (producers): the shipper keeps about twice that many blocks going. */
  readonly parallelism: number;
  /**
   * Validates and produces a block of complete lines. The block is handed over: the caller never
   * touches it again (its messages point into it; a worker sink moves its memory to the worker).
   */
  lines(block: Buffer, meta: BlockMeta): Promise<Shipped>;
  /** Produces one dead letter the shipper made itself (a line longer than a chunk). */
  deadLetter(dl: DeadLetter): Promise<Shipped>;
  /** Waits for the sends in flight, then releases the producers. */
  close(): Promise<void>;
}

/** Produces with acks=all; resolves once Kafka acknowledged. */
export type Send = (topicMessages: TopicMessages[]) => Promise<void>;

/**
 * Encodes on the calling thread, produces through `send` one request at a time: a block is
 * validated as soon as it arrives (while the previous request waits for Kafka), and sent after
 * it. One request at a time is what keeps an idempotent kafkajs producer safe (see
 * createIdempotentProducer).
 */
export function localSink(send: Send, topics: TopicNames): LineSink {
  let tail: Promise<unknown> = Promise.resolve();
  const serially = (topicMessages: TopicMessages[], shipped: Shipped): Promise<Shipped> => {
    const nonEmpty = topicMessages.filter((t) => t.messages.length > 0);
    const sent = tail.then(async () => {
      if (nonEmpty.length > 0) await send(nonEmpty);
      return shipped;
    });
    tail = sent.catch(() => {}); // the caller sees the failure; later blocks still go
    return sent;
  };
  return {
    parallelism: 1,
    lines(block, meta) {
      const { clicks, deadLetters } = encodeLines(block, meta);
      return serially(
        [
          { topic: topics.clicks, messages: clicks },
          { topic: topics.deadLetters, messages: deadLetters },
        ],
        { clicks: clicks.length, deadLetters: deadLetters.length },
      );
    },
    deadLetter(dl) {
      return serially([{ topic: topics.deadLetters, messages: [deadLetterMessage(dl)] }], {
        clicks: 0,
        deadLetters: 1,
      });
    },
    async close() {
      await tail;
    },
  };
}
