// Creates the project's topics if absent (run by scripts/infra.sh). Retries while the broker
// finishes starting: an open port is not yet a ready controller.
import { ensureTopics } from "./admin";
import { createKafka } from "./client";
import { kafkaEnv } from "./env";
import { topicNames } from "./topics";

const kafka = createKafka(kafkaEnv.KAFKA_BROKERS, "create-topics");
const deadline = Date.now() + 60_000;
for (;;) {
  try {
    const created = await ensureTopics(kafka, topicNames(kafkaEnv.KAFKA_TOPIC_SUFFIX), kafkaEnv.KAFKA_PARTITIONS);
    console.log(created.length ? `    created topics: ${created.join(", ")}` : "    topics already exist");
    break;
  } catch (err) {
    if (Date.now() > deadline) {
      console.error(`Kafka at ${kafkaEnv.KAFKA_BROKERS} did not accept topic creation within 60 s:`, err);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
