// Hourly partition names, bounds and the retention rule.
import { expect, test } from "vitest";
import { createPartitionSql, HOUR_MS, parsePartitionName, partitionName, partitionsToDrop } from "./partitions";

const H = Date.UTC(2025, 0, 15, 9);

test("names and bounds are UTC hours", () => {
  expect(partitionName(H + 59 * 60_000 - (H % HOUR_MS))).toBe("raw_clicks_2025011509");
  expect(parsePartitionName("raw_clicks_2025011509")).toBe(H);
  expect(parsePartitionName("raw_clicks_2025013209")).toBeUndefined();
  expect(parsePartitionName("raw_clicks_default")).toBeUndefined();
  expect(createPartitionSql(H)).toBe(
    "CREATE TABLE IF NOT EXISTS raw_clicks_2025011509 PARTITION OF raw_clicks FOR VALUES FROM ('2025-01-15T09:00:00.000Z') TO ('2025-01-15T10:00:00.000Z')",
  );
});

test("retention drops whole hours before the cutoff hour, and nothing that is not ours", () => {
  const names = ["raw_clicks_2025011506", "raw_clicks_2025011507", "raw_clicks_2025011508", "raw_clicks_x", "other"];
  // now 10:30, retention 2.5 h → cutoff = hour of 08:00 → 06 and 07 go, 08 stays.
  expect(partitionsToDrop(names, H + 1.5 * HOUR_MS, 2.5 * HOUR_MS)).toEqual([
    "raw_clicks_2025011506",
    "raw_clicks_2025011507",
  ]);
});
