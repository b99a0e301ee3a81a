// Registers the compression codecs kafkajs lacks (snappy, lz4, zstd): ad servers produce with
// Java/Go/librdkafka clients and any codec, and every consumer must read all of them.
import { createRequire } from "node:module";
import { decompress as zstdDecompress } from "fzstd";
import type { ProducerCompression } from "./env-schema";
import { CompressionCodecs, CompressionTypes } from "./kafkajs";

const require = createRequire(import.meta.url);

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

let registered = false;

export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  const SnappyCodec = require("kafkajs-snappy") as () => Codec;
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;

  const lz4 = require("lz4-napi") as {
    compressFrame(b: Buffer): Promise<Buffer>;
    decompressFrame(b: Buffer): Promise<Buffer>;
  };
  // Kafka's LZ4 is the standard LZ4 frame format (KIP-57).
  CompressionCodecs[CompressionTypes.LZ4] = (): Codec => ({
    compress: (encoder) => lz4.compressFrame(encoder.buffer),
    decompress: (buffer) => lz4.decompressFrame(buffer),
  });

  // fzstd is a pure-JS decoder (native zstd bindings need a download at install time).
  CompressionCodecs[CompressionTypes.ZSTD] = (): Codec => ({
    compress: () =>
      Promise.reject(new Error("zstd compression is not supported by this producer; use gzip, snappy or lz4")),
    decompress: async (buffer) => Buffer.from(zstdDecompress(buffer)),
  });
}

/** The kafkajs codec for a configured producer compression; `none` leaves the batch uncompressed. */
export function compressionType(compression: ProducerCompression): CompressionTypes | undefined {
  return compression === "none"
    ? undefined
    : {
        gzip: CompressionTypes.GZIP,
        snappy: CompressionTypes.Snappy,
        lz4: CompressionTypes.LZ4,
      }[compression];
}
