// The serial queue: operations run one at a time in the order queued, a failure is the caller's
// and does not stop the ones queued after it.
import { expect, test } from "vitest";
import { createSerialQueue } from "./serial-queue";

test("operations run one at a time, in order, past failures", async () => {
  const queue = createSerialQueue();
  const log: string[] = [];
  const op = (name: string, fail = false) =>
    queue(async () => {
      log.push(`${name} start`);
      await new Promise((r) => setImmediate(r));
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    });
  const a = op("a");
  const b = op("b", true);
  const c = op("c");
  await expect(b).rejects.toThrow("b");
  expect(await Promise.all([a, c])).toEqual(["a", "c"]);
  expect(log).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
});
