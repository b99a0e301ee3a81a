// Dead-letter rows: fields mapped, payload bounded, foreign messages kept as unreadable.
import { deadLetterMessage } from "@adclicks/kafka";
import { expect, test } from "vitest";
import { toDeadLetterColumns } from "./dead-letter-rows";

test("maps dead letters and keeps anything else as unreadable", () => {
  const dl = deadLetterMessage({
    reason: "bad_ip",
    source: "shipper:/x.log:7",
    payload: "p".repeat(500),
    partition: 2,
    offset: "99",
    rejectedAt: Date.UTC(2025, 0, 1),
  });
  const cols = toDeadLetterColumns(
    [
      { value: Buffer.from(dl.value), timestamp: "1" },
      { value: Buffer.from("not a dead letter \u0000"), timestamp: String(Date.UTC(2025, 0, 2)) },
      {
        value: Buffer.from(JSON.stringify({ reason: "x", source: "y", payload: "", rejectedAt: 9e15 })),
        timestamp: "5",
      },
      // Stamped a year ahead: kept as of now, so retention still reaches it.
      { value: Buffer.from("junk"), timestamp: String(Date.UTC(2026, 0, 3)) },
    ],
    { maxPayload: 100, nowMs: Date.UTC(2025, 0, 3) },
  );
  expect(cols.reason).toEqual(["bad_ip", "unreadable_dead_letter", "x", "unreadable_dead_letter"]);
  expect(cols.source).toEqual(["shipper:/x.log:7", "dlq", "y", "dlq"]);
  expect(cols.payload[0]).toHaveLength(100);
  expect(cols.payload[1]).toBe("not a dead letter \uFFFD");
  expect(cols.kafkaPartition).toEqual([2, null, null, null]);
  expect(cols.kafkaOffset).toEqual(["99", null, null, null]);
  expect(cols.firstSeen).toEqual([
    "2025-01-01T00:00:00.000Z",
    "2025-01-02T00:00:00.000Z",
    "2025-01-03T00:00:00.000Z",
    "2025-01-03T00:00:00.000Z",
  ]);
});
