// Reads a whole topic from the beginning until a condition holds (tests only).
import { randomBytes } from "node:crypto";
import type { Kafka, KafkaMessage } from "@adclicks/kafka";

export interface ReadMessage {
  partition: number;
  key: string | null;
  value: string;
  message: KafkaMessage;
}

export async function readTopicUntil(
  kafka: Kafka,
  topic: string,
  done: (all: ReadMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-read-${randomBytes(4).toString("hex")}` });
  const all: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic}: condition not met after ${timeoutMs} ms (${all.length} read)`)),
        timeoutMs,
      );
      const check = () => {
        if (done(all)) {
          clearTimeout(timer);
          resolve();
        }
      };
      check();
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages)
              all.push({
                partition: batch.partition,
                key: m.key?.toString() ?? null,
                value: m.value?.toString() ?? "",
                message: m,
              });
            check();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return all;
}
