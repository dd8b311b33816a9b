// The daemon's own structured log: JSON lines, rotated by size by default, with secrets removed before they hit disk.
import { format } from 'node:util';
import { pino, stdSerializers, type LevelWithSilent, type Logger } from 'pino';
import type { Clock } from '../platform/clock.js';
import { DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES, RotatingFileStream } from './log-rotation.js';
import type { Redactor } from './redact.js';
import { setOwn } from './own-key.js';

export interface LoggerOptions {
  /** Usually <stateDir>/logs/daemon.log; the directory is created. */
  file: string;
  /** Default 'info'. */
  level?: LevelWithSilent;
  /** Rotate when the file would pass this size; default 10 MiB; <= 0 disables rotation. */
  maxBytes?: number;
  /** Rotated files kept (daemon.log.1 .. daemon.log.<keep>); default 5. */
  keep?: number;
  redactor: Redactor;
  /** Time source for the "time" field; default the system clock. */
  clock?: Pick<Clock, 'now'>;
}

export type ClawbackLogger = Logger & {
  /** The file stream (size, writeErrors, rotate()). */
  readonly destination: RotatingFileStream;
  /** Closes the file; later log calls are dropped. Idempotent. */
  close(): void;
};

export { DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES } from './log-rotation.js';

/** Errors become plain serialized objects first, so the redactor can reach their message and stack. */
function scrub(redactor: Redactor, obj: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) setOwn(plain, k, v instanceof Error ? stdSerializers.err(v) : v);
  return redactor.redactDeep(plain);
}

function errorMessage(obj: unknown): string | undefined {
  if (obj instanceof Error) return obj.message;
  if (obj && typeof obj === 'object') {
    const err = (obj as Record<string, unknown>).err;
    if (err instanceof Error) return err.message;
  }
  return undefined;
}

export function createLogger(opts: LoggerOptions): ClawbackLogger {
  const { redactor } = opts;
  const clock = opts.clock ?? { now: () => Date.now() };
  const destination = new RotatingFileStream({
    file: opts.file,
    maxBytes: opts.maxBytes ?? DEFAULT_LOG_MAX_BYTES,
    keep: opts.keep ?? DEFAULT_LOG_KEEP,
  });
  const logger = pino(
    {
      level: opts.level ?? 'info',
      timestamp: () => `,"time":"${new Date(clock.now()).toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactor.redactDeep(bindings),
        log: (obj) => scrub(redactor, obj),
      },
      // formatters.log already serialized errors; serialize only what is still a live Error.
      serializers: { err: (v: unknown) => (v instanceof Error ? stdSerializers.err(v) : v) },
      hooks: {
        // Format the message ourselves so interpolated arguments are redacted too.
        logMethod(args, method) {
          const a = args as unknown[];
          const hasObj = typeof a[0] === 'object' && a[0] !== null;
          const obj = hasObj ? a[0] : undefined;
          const rest = hasObj ? a.slice(1) : a;
          let msg: string | undefined;
          if (rest.length === 1 && typeof rest[0] === 'string') msg = rest[0];
          else if (rest.length > 0) msg = format(...rest);
          else msg = errorMessage(obj);
          const call: unknown[] = [];
          if (hasObj) call.push(obj);
          if (msg !== undefined) call.push(redactor.redact(msg));
          (method as (...xs: unknown[]) => void).apply(this, call);
        },
      },
    },
    destination,
  );
  return Object.assign(logger, {
    destination,
    close: () => destination.close(),
  }) as ClawbackLogger;
}
