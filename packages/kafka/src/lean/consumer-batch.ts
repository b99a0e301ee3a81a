// Replaces kafkajs' consumer/batch.js, the Batch a fetch's messages for one partition are handed
// out in. kafkajs parses every message's offset back into a 64-bit `Long` to compare it with the
// fetched offset, an allocation per message on the consumer's hot path; this one compares the
// numbers (offsetOf) and keeps and drops the same messages, with the same methods.
import { createRequire } from "node:module";
import { type DecodedRecord, EXACT_LIMIT, offsetOf } from "./fetch-decode-messages";
import type { Replacement } from "./replacement";

const require = createRequire(import.meta.url);

type Long = { gte(o: Long): boolean; add(n: number | Long): Long; multiply(n: number): Long; toString(): string };
type LongClass = { fromValue(v: string | number): Long };
type FilterAbortedMessages = (args: { messages: DecodedRecord[]; abortedTransactions: unknown[] }) => DecodedRecord[];

/** kafkajs' consumer Batch, comparing offsets as numbers instead of BigInts per message. */
export function leanBatchClass(Long: LongClass, filterAbortedMessages: FilterAbortedMessages) {
  return class Batch {
    fetchedOffset: string;
    topic: string;
    partition: number;
    highWatermark: string;
    rawMessages: DecodedRecord[];
    messagesWithinOffset: DecodedRecord[];
    messages: DecodedRecord[];

    constructor(
      topic: string,
      fetchedOffset: string,
      partitionData: {
        partition: number;
        highWatermark: string;
        messages: DecodedRecord[];
        abortedTransactions: unknown[];
      },
    ) {
      this.fetchedOffset = fetchedOffset;
      const { abortedTransactions, messages } = partitionData;
      this.topic = topic;
      this.partition = partitionData.partition;
      this.highWatermark = partitionData.highWatermark;
      this.rawMessages = messages;
      const from = Number(fetchedOffset);
      if (from < EXACT_LIMIT) {
        let skip = 0;
        while (skip < messages.length && offsetOf(messages[skip]!) < from) skip++;
        this.messagesWithinOffset = skip === 0 ? messages : messages.slice(skip);
      } else {
        const longFrom = Long.fromValue(fetchedOffset);
        this.messagesWithinOffset = messages.filter((m) => Long.fromValue(m.offset).gte(longFrom));
      }
      const kept = filterAbortedMessages({ messages: this.messagesWithinOffset, abortedTransactions });
      this.messages = kept.some((m) => m.isControlRecord) ? kept.filter((m) => !m.isControlRecord) : kept;
    }

    isEmpty() {
      return this.messages.length === 0;
    }

    isEmptyIncludingFiltered() {
      return this.messagesWithinOffset.length === 0;
    }

    isEmptyDueToFiltering() {
      return this.isEmpty() && this.rawMessages.length > 0;
    }

    isEmptyControlRecord() {
      return this.isEmpty() && this.messagesWithinOffset.some(({ isControlRecord }) => isControlRecord);
    }

    isEmptyDueToLogCompactedMessages() {
      return this.rawMessages.length > 0 && this.isEmptyIncludingFiltered();
    }

    firstOffset() {
      return this.isEmptyIncludingFiltered() ? null : this.messagesWithinOffset[0]!.offset;
    }

    lastOffset() {
      if (this.isEmptyDueToLogCompactedMessages()) return this.fetchedOffset;
      if (this.isEmptyIncludingFiltered()) return Long.fromValue(this.highWatermark).add(-1).toString();
      return this.messagesWithinOffset[this.messagesWithinOffset.length - 1]!.offset;
    }

    offsetLag() {
      const last = Long.fromValue(this.highWatermark).add(-1);
      return last.add(Long.fromValue(this.lastOffset()).multiply(-1)).toString();
    }

    offsetLagLow() {
      if (this.isEmptyIncludingFiltered()) return "0";
      const last = Long.fromValue(this.highWatermark).add(-1);
      return last.add(Long.fromValue(this.firstOffset() ?? "0").multiply(-1)).toString();
    }
  };
}

export const consumerBatch: Replacement = {
  module: "kafkajs/src/consumer/batch.js",
  users: ["kafkajs/src/consumer/consumerGroup.js"],
  create: () =>
    leanBatchClass(require("kafkajs/src/utils/long"), require("kafkajs/src/consumer/filterAbortedMessages")),
};
