// The supervisor over real (tiny) child processes: the lines it prints, giving up on fast
// failures, and a stop during a backoff delay that starts nothing more.
import { expect, test } from "vitest";
import { DEFAULT_RESTART_POLICY } from "./restart-policy";
import { Supervisor } from "./supervisor";

const FAST = { ...DEFAULT_RESTART_POLICY, initialDelayMs: 20, maxFastFailures: 3 };

test("an app that keeps failing at start-up: restarted with backoff, then given up, saying why", async () => {
  const lines: string[] = [];
  const s = new Supervisor(
    { name: "crashy", command: "sh", args: ["-c", "exit 3"] },
    { policy: FAST, log: (l) => lines.push(l) },
  );
  expect(await s.done).toEqual({ kind: "gave-up", reason: "3 failures in a row, each within 10 s of starting" });
  const text = lines.join("\n");
  expect(text).toMatch(/crashy exited with code 3 after \d+ ms: restarting in 20 ms \(restart 1/);
  expect(text).toMatch(/crashy exited with code 3 after \d+ ms: restarting in 40 ms \(restart 2/);
  expect(lines.at(-1)).toMatch(/crashy exited with code 3 after \d+ ms: giving up, 3 failures in a row/);
  expect(lines.filter((l) => l.includes("started (pid")).length).toBe(3);
});

test("a stop while a restart is pending: nothing is started again", async () => {
  const lines: string[] = [];
  const s = new Supervisor(
    { name: "dies", command: "sh", args: ["-c", "kill -9 $$"] },
    { policy: { ...FAST, initialDelayMs: 60_000, maxDelayMs: 60_000 }, log: (l) => lines.push(l) },
  );
  const deadline = Date.now() + 10_000;
  while (!lines.some((l) => l.includes("restarting in")) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  expect(lines.at(-1)).toMatch(/dies was killed by SIGKILL after \d+ ms: restarting in 60 s/);
  expect(await s.stop()).toEqual({ kind: "stopped" });
  expect(lines.filter((l) => l.includes("started (pid")).length).toBe(1);
});

test("a stop ends the app's whole process group and is reported", async () => {
  const lines: string[] = [];
  const s = new Supervisor(
    { name: "sleeper", command: "sh", args: ["-c", "sleep 30 & wait"] },
    { log: (l) => lines.push(l) },
  );
  const deadline = Date.now() + 10_000;
  while (s.pid === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const pid = s.pid!;
  expect(await s.stop()).toEqual({ kind: "stopped" });
  // The group's last members may linger a moment as zombies until their new parent reaps them.
  const groupAlive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const gone = Date.now() + 5_000;
  while (groupAlive() && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
  expect(groupAlive()).toBe(false);
  expect(lines.at(-1)).toMatch(/sleeper stopped \(was killed by SIGTERM/);
});
