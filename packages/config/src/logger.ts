// The one way a process creates its logger: pino, JSON lines, the process named in `app` on every
// line. Errors go in as `{ err }` so pino keeps their type, message and stack.
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/** `destination`: stdout unless given (a CLI whose stdout is its output logs to stderr: pino.destination(2)). */
export function createLogger(app: string, level: string, destination?: DestinationStream): Logger {
  return destination ? pino({ level, base: { app } }, destination) : pino({ level, base: { app } });
}

/** Where a CLI logs: stderr, so stdout holds only its output. */
export const stderrDestination = (): DestinationStream => pino.destination(2);
