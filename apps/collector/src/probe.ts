// Periodic Kafka reachability check for /readyz and for refusing requests fast (503) instead
// of queueing them behind a producer that cannot reach the broker.
import type { Admin, Kafka } from "@adclicks/kafka";

export class KafkaProbe {
  reachable = false;
  private readonly admin: Admin;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly opts: { intervalMs?: number; timeoutMs?: number } = {},
  ) {
    // No retries: the probe's answer must be quick and current, the next tick retries anyway.
    this.admin = kafka.admin({ retry: { retries: 0 } });
  }

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs ?? 1_000);
    this.timer.unref();
  }

  async check(): Promise<boolean> {
    if (this.inFlight) return this.reachable;
    this.inFlight = true;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          await this.admin.connect();
          await this.admin.fetchTopicMetadata({ topics: [this.topic] });
        })(),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error("probe timed out")), this.opts.timeoutMs ?? 2_500);
        }),
      ]);
      this.reachable = true;
    } catch {
      this.reachable = false;
    } finally {
      clearTimeout(timeout);
      this.inFlight = false;
    }
    return this.reachable;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    // Stopping: the probe's admin client only reads metadata, a failed disconnect loses nothing.
    await this.admin.disconnect().catch(() => {});
  }
}
