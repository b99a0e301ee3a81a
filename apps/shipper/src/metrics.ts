// The shipper's optional Prometheus endpoint (--metrics-port): lines, clicks and dead letters
// shipped, bytes acknowledged, files followed and bytes not yet shipped.
import { createServer, type Server } from "node:http";
import { collectProcessMetrics } from "@adclicks/metrics";
import { Counter, Gauge, Registry } from "prom-client";
import type { ShipperTotals } from "./shipper";

export function serveMetrics(port: number, totals: () => ShipperTotals): Server {
  const registry = new Registry();
  collectProcessMetrics(registry);
  const last: ShipperTotals = { lines: 0, clicks: 0, deadLetters: 0, bytes: 0, files: 0, lagBytes: 0 };
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  const lines = counter("shipper_lines_read_total", "Lines read and produced");
  const clicks = counter("shipper_events_produced_total", "Valid clicks produced to ad-clicks");
  const deadLetters = counter("shipper_events_rejected_total", "Invalid lines produced to the dead-letter topic");
  const bytes = counter("shipper_shipped_bytes_total", "Bytes of log acknowledged by Kafka");
  const files = new Gauge({ name: "shipper_files", help: "Files followed", registers: [registry] });
  const lag = new Gauge({
    name: "shipper_lag_bytes",
    help: "Bytes written but not yet shipped",
    registers: [registry],
  });
  const refresh = () => {
    const t = totals();
    lines.inc(t.lines - last.lines);
    clicks.inc(t.clicks - last.clicks);
    deadLetters.inc(t.deadLetters - last.deadLetters);
    bytes.inc(t.bytes - last.bytes);
    files.set(t.files);
    lag.set(t.lagBytes);
    Object.assign(last, t);
  };
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(req.url === "/healthz" ? 200 : 404).end();
      return;
    }
    refresh();
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  // Loopback only, as every metrics listener of the product (docs/metrics.md).
  server.listen(port, "127.0.0.1");
  return server;
}
