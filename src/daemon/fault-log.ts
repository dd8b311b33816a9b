// Where the daemon's own faults are written: one pino line in logs/daemon.log (opened per line, best effort: the
// disk may be the fault) and one line on stderr, which the service manager (journald, launchd) keeps.
import path from 'node:path';
import { createLogger } from '../observe/logger.js';
import type { Redactor } from '../observe/redact.js';
import type { Clock } from '../platform/clock.js';
import type { FaultLog } from './daemon-faults.js';

export interface FaultLogOptions {
  stateDir: string;
  redactor: Redactor;
  clock?: Pick<Clock, 'now'>;
  /** Default process.stderr. */
  stderr?: { write(text: string): unknown };
}

export function faultLog(opts: FaultLogOptions): FaultLog {
  const file = path.join(opts.stateDir, 'logs', 'daemon.log');
  const stderr = opts.stderr ?? process.stderr;
  return (level, fields, msg) => {
    try {
      stderr.write(`clawback: ${level}: ${opts.redactor.redact(msg)}\n`);
    } catch {
      // stderr closed: the log file below is the remaining witness.
    }
    try {
      // A short-lived logger: a long-lived one would keep writing to a rotated-away file.
      const logger = createLogger({ file, redactor: opts.redactor, maxBytes: 0, level: 'info', ...(opts.clock ? { clock: opts.clock } : {}) });
      try {
        logger[level](fields, msg);
      } finally {
        logger.close();
      }
    } catch {
      // The disk refused even the log line; stderr has it.
    }
  };
}
