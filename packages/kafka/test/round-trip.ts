// Child process of lean-switch.integration.test.ts: produces `count` messages to `topic` with the
// idempotent producer (every codec our producers write, some messages with headers), reads them
// back with a consumer group, and prints what it read as JSON: run once per KAFKA_LEAN setting.
import { randomBytes } from "node:crypto";
import {
  acksAllSender,
  CompressionTypes,
  createIdempotentProducer,
  createKafka,
  type KafkaMessage,
  offsetOf,
  timestampOf,
} from "../src/index";
import { leanKafkajsInstalled } from "../src/lean/install";

const [brokers, topic, countArg] = process.argv.slice(2);
const count = Number(countArg);
const kafka = createKafka(brokers!, "lean-round-trip");

const producer = createIdempotentProducer(kafka);
await producer.connect();
const codecs = [undefined, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4];
// Keyed by one of 97 ads, a header on every tenth (the test expects exactly these).
const messages = Array.from({ length: count }, (_, i) => ({
  key: `ad-${i % 97}`,
  value: `click-${i}`,
  ...(i % 10 === 0 ? { headers: { n: String(i) } } : {}),
}));
for (let i = 0, chunk = 0; i < messages.length; i += 250, chunk++) {
  const send = acksAllSender(producer, codecs[chunk % codecs.length]);
  await send([{ topic: topic!, messages: messages.slice(i, i + 250) }]);
}
await producer.disconnect();

const read: { partition: number; m: KafkaMessage }[] = [];
const consumer = kafka.consumer({ groupId: `lean-round-trip-${randomBytes(4).toString("hex")}` });
await consumer.connect();
await consumer.subscribe({ topic: topic!, fromBeginning: true });
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`${read.length} of ${count} messages read in 60 s`)), 60_000);
  consumer
    .run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) read.push({ partition: batch.partition, m });
        if (read.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    })
    .catch(reject);
});
await consumer.disconnect();

const perPartition: Record<number, number> = {};
const offsets: Record<number, number[]> = {};
for (const { partition, m } of read) {
  perPartition[partition] = (perPartition[partition] ?? 0) + 1;
  offsets[partition] ??= [];
  offsets[partition].push(offsetOf(m));
}
console.log(
  JSON.stringify({
    lean: leanKafkajsInstalled(),
    received: read.length,
    distinct: new Set(read.map(({ m }) => m.value?.toString())).size,
    perPartition,
    // Each partition read from its first offset on, in order, none skipped.
    contiguous: Object.values(offsets).every((o) => o.every((offset, i) => offset === i)),
    numbersAsStrings: read.every(({ m }) => offsetOf(m) === Number(m.offset) && timestampOf(m) === Number(m.timestamp)),
    headers: read.filter(({ m }) => m.headers?.n?.toString() === m.value?.toString().slice("click-".length)).length,
  }),
);
