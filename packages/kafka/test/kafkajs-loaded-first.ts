// A process that loads kafkajs itself before creating its first client (what the lint rule
// forbids): on the lean path createKafka must refuse to start; with KAFKA_LEAN=0 it starts.
import { createRequire } from "node:module";
import { createKafka } from "../src/client";
import { leanKafkajsInstalled } from "../src/lean/install";

createRequire(import.meta.url)("kafkajs");
createKafka("localhost:9092", "kafkajs-loaded-first");
console.log(leanKafkajsInstalled() ? "started with the lean internals" : "started without the lean internals");
