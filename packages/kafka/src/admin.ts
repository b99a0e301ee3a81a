// Idempotent topic creation: ad-clicks (keyed by ad_id), dead letters, and the compacted
// feed of finalized minute counts.
import type { Kafka } from "./kafkajs";
import type { TopicNames } from "./topics";

export async function ensureTopics(kafka: Kafka, names: TopicNames, partitions: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      {
        topic: names.clicks,
        numPartitions: partitions,
        configEntries: [{ name: "retention.ms", value: String(48 * 3_600_000) }],
      },
      {
        topic: names.deadLetters,
        numPartitions: 3,
        configEntries: [{ name: "retention.ms", value: String(7 * 24 * 3_600_000) }],
      },
      { topic: names.counts, numPartitions: partitions, configEntries: [{ name: "cleanup.policy", value: "compact" }] },
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length > 0) {
      await admin.createTopics({ topics: wanted.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: true });
    }
    return wanted.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}
