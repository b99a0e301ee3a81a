// The log-file shipper CLI: flags, env, the sink (worker threads with an idempotent acks=all
// producer each, or one on this thread), the shipping loop; SIGTERM/SIGINT finish the chunks in
// flight and save the state before exiting.
import { createLogger } from "@adclicks/config/logger";
import { openHotAdFeed } from "@adclicks/db";
import { acksAllSender, compressionType, createIdempotentProducer, createKafka, topicNames } from "@adclicks/kafka";
import { parseShipperArgs } from "./args";
import { env } from "./env";
import { serveMetrics } from "./metrics";
import { Shipper } from "./shipper";
import { type LineSink, localSink } from "./sink";
import { WorkerSink } from "./worker-sink";

const parsed = parseShipperArgs(process.argv.slice(2));
if (!parsed.ok) {
  (parsed.help ? console.log : console.error)(parsed.message);
  process.exit(parsed.help ? 0 : 2);
}
const args = parsed.args;
const logger = createLogger("shipper", env.LOG_LEVEL);
const topics = topicNames(env.KAFKA_TOPIC_SUFFIX);

/** Resolves once the sink's producers are connected; waits for Kafka rather than exit. */
async function openSink(): Promise<LineSink> {
  if (args.workers > 0) {
    const sink = new WorkerSink(
      args.workers,
      { brokers: env.KAFKA_BROKERS, clientId: "shipper", topics, compression: env.SHIPPER_COMPRESSION },
      logger,
    );
    try {
      await sink.ready();
    } catch (err) {
      logger.fatal({ err }, "the shipper's worker threads could not start");
      process.exit(1);
    }
    return sink;
  }
  const producer = createIdempotentProducer(createKafka(env.KAFKA_BROKERS, "shipper"));
  for (;;) {
    try {
      await producer.connect();
      break;
    } catch (err) {
      logger.warn({ err }, "Kafka not reachable yet; retrying");
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  const sink = localSink(acksAllSender(producer, compressionType(env.SHIPPER_COMPRESSION)), topics);
  return {
    ...sink,
    close: async () => {
      await sink.close();
      await producer.disconnect();
    },
  };
}

let shipper: Shipper | undefined;
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    logger.info({ signal }, "stopping after the chunks in flight");
    stopping = true;
    shipper?.stop();
    // Kafka may be unreachable: unacknowledged chunks are simply re-read after a restart.
    const hard = setTimeout(() => {
      logger.warn("Kafka did not acknowledge the chunks in flight within 15 s: exiting without them");
      process.exit(1);
    }, 15_000);
    hard.unref();
  });
}
const metricsServer =
  args.metricsPort === undefined ? undefined : serveMetrics(args.metricsPort, () => shipper?.totals ?? emptyTotals());

// Hot-ad lists come from Postgres; shipping goes on with the last ones if it is away.
const hotAds = await openHotAdFeed(env.DATABASE_URL, {
  onError: (err) => logger.warn({ err }, "hot-ad lists not readable; keeping the last ones"),
});

const sink = await openSink();
shipper = new Shipper({
  patterns: args.patterns,
  statePath: args.state,
  topics,
  sink,
  logger,
  chunkBytes: args.chunkBytes,
  pollMs: args.pollMs,
  rotateGraceMs: args.rotateGraceMs,
  fromEnd: args.fromEnd,
  once: args.once,
  // A snapshot per block (worker threads get a copy): a handful of entries.
  hotAds: () => hotAds.router.entries(),
  maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
});
if (stopping) shipper.stop();

const started = Date.now();
const progress = setInterval(() => logger.info(shipper.totals, "progress"), 10_000);
progress.unref();
await shipper.run();
clearInterval(progress);
const seconds = (Date.now() - started) / 1000;
logger.info({ ...shipper.totals, seconds, linesPerSec: Math.round(shipper.totals.lines / seconds) }, "stopped");
await sink.close();
await hotAds.close();
metricsServer?.close();
process.exit(0);

function emptyTotals() {
  return { lines: 0, clicks: 0, deadLetters: 0, bytes: 0, files: 0, lagBytes: 0 };
}
