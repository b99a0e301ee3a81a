// The Postgres pool against a real server: a checked-out client whose backend dies (a Postgres
// restart while a worker holds a cursor or waits on Kafka) must fail its next query, not crash
// the process, and the pool must hand out a working client afterwards.
import { createTestEnv, type TestEnv, waitFor } from "@adclicks/test-utils";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPool } from "./client";

let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv("pg-client");
});

afterAll(async () => {
  await env.cleanup();
});

test("a checked-out client whose server connection dies errors on use; the pool recovers", async () => {
  const pool = createPool(env.databaseUrl, 2);
  const admin = createPool(env.databaseUrl, 1);
  try {
    const held = await pool.connect();
    const { rows } = await held.query<{ pid: number }>("select pg_backend_pid() as pid");
    // Watch the socket, not the client: the client's 'error' event must be handled by the pool.
    const socket = (held as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream;
    let closed = false;
    socket.once("close", () => {
      closed = true;
    });
    await admin.query("select pg_terminate_backend($1)", [rows[0]?.pid]);
    await waitFor("the client's connection to end", async () => closed);
    await new Promise((r) => setTimeout(r, 50)); // the client emits 'error' after the close
    await expect(held.query("select 1")).rejects.toThrow();
    held.release(true);
    const fresh = await pool.query<{ one: number }>("select 1 as one");
    expect(fresh.rows[0]?.one).toBe(1);
  } finally {
    await pool.end();
    await admin.end();
  }
});
