// A shipper worker thread: its own idempotent acks=all producer behind a localSink; validates
// and produces the blocks the main thread posts, and answers once Kafka acknowledged each.
import { parentPort, workerData } from "node:worker_threads";
import { acksAllSender, compressionType, createIdempotentProducer, createKafka } from "@adclicks/kafka";
import { localSink } from "./sink";
import type { FromWorker, SinkWorkerConfig, ToWorker } from "./worker-sink";

const port = parentPort!;
const config = (workerData as { config: SinkWorkerConfig }).config;
const post = (msg: FromWorker) => port.postMessage(msg);

const producer = createIdempotentProducer(createKafka(config.brokers, config.clientId));
const connected = (async () => {
  // Ad servers may start before Kafka is reachable: wait for it rather than exit.
  for (;;) {
    try {
      await producer.connect();
      post({ type: "ready" });
      return;
    } catch (err) {
      post({ type: "unreachable", err: err as Error }); // an Error is structured-cloned with its stack
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
})();
const send = acksAllSender(producer, compressionType(config.compression));
const sink = localSink(async (topicMessages) => {
  await connected;
  await send(topicMessages);
}, config.topics);

function answer(id: number, shipped: Promise<{ clicks: number; deadLetters: number }>): void {
  shipped.then(
    (s) => post({ type: "shipped", id, shipped: s }),
    (err: Error) => post({ type: "failed", id, name: err.name, message: err.message }),
  );
}

port.on("message", (msg: ToWorker) => {
  switch (msg.type) {
    case "lines": {
      const block = Buffer.from(msg.block.buffer, msg.block.byteOffset, msg.block.byteLength);
      answer(msg.id, sink.lines(block, msg.meta));
      break;
    }
    case "dead-letter":
      answer(msg.id, sink.deadLetter(msg.deadLetter));
      break;
    case "close":
      void (async () => {
        await sink.close();
        // Closing after the sink has drained: a failed disconnect leaves nothing unsent.
        await producer.disconnect().catch(() => {});
        post({ type: "closed" });
        port.close();
      })();
      break;
  }
});
