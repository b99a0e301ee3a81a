// The log-file shipper CLI: flags, env, an idempotent acks=all producer, the shipping loop;
// SIGTERM/SIGINT finish the chunks in flight and save the state before exiting.
import { acksAllSender, compressionType, createIdempotentProducer, createKafka, topicNames } from "@adclicks/kafka";
import { pino } from "pino";
import { parseShipperArgs } from "./args";
import { env } from "./env";
import { serveMetrics } from "./metrics";
import { Shipper } from "./shipper";

const parsed = parseShipperArgs(process.argv.slice(2));
if (!parsed.ok) {
  (parsed.help ? console.log : console.error)(parsed.message);
  process.exit(parsed.help ? 0 : 2);
}
const args = parsed.args;
const logger = pino({ level: env.LOG_LEVEL, base: { app: "shipper" } });

const producer = createIdempotentProducer(createKafka(env.KAFKA_BROKERS, "shipper"));

const shipper = new Shipper({
  patterns: args.patterns,
  statePath: args.state,
  topics: topicNames(env.KAFKA_TOPIC_SUFFIX),
  send: acksAllSender(producer, compressionType(env.SHIPPER_COMPRESSION)),
  logger,
  chunkBytes: args.chunkBytes,
  pollMs: args.pollMs,
  rotateGraceMs: args.rotateGraceMs,
  fromEnd: args.fromEnd,
  once: args.once,
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    logger.info({ signal }, "stopping after the chunks in flight");
    shipper.stop();
    // Kafka may be unreachable: unacknowledged chunks are simply re-read after a restart.
    const hard = setTimeout(() => {
      logger.warn("Kafka did not acknowledge the chunks in flight within 15 s: exiting without them");
      process.exit(1);
    }, 15_000);
    hard.unref();
  });
}
const metricsServer = args.metricsPort === undefined ? undefined : serveMetrics(args.metricsPort, () => shipper.totals);

// Ad servers may start before Kafka is reachable: wait for it rather than exit.
for (;;) {
  try {
    await producer.connect();
    break;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "Kafka not reachable yet; retrying");
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const started = Date.now();
const progress = setInterval(() => logger.info(shipper.totals, "progress"), 10_000);
progress.unref();
await shipper.run();
clearInterval(progress);
const seconds = (Date.now() - started) / 1000;
logger.info({ ...shipper.totals, seconds, linesPerSec: Math.round(shipper.totals.lines / seconds) }, "stopped");
await producer.disconnect();
metricsServer?.close();
process.exit(0);
