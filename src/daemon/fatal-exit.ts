// A bug in the daemon (an uncaught exception or unhandled rejection) must not take the services down with it:
// log it, journal it (best effort), save state, then exit non-zero WITHOUT stopping the services, so the service
// manager restarts the daemon and the next daemon adopts the services it finds running.
import type { Daemon } from './daemon.js';
import { describeFault, type FaultLog } from './daemon-faults.js';
import { faultLog } from './fault-log.js';

/** EX_SOFTWARE: "internal software error"; systemd (Restart=always) and launchd (KeepAlive) restart us. */
export const FATAL_EXIT_CODE = 70;

export interface FatalHandlerOptions {
  /** The daemon once built (undefined while it is being created). */
  daemon: () => Daemon | undefined;
  /** True while a requested shutdown runs: the fault is recorded and the shutdown finishes its work. */
  shuttingDown?: () => boolean;
  /** Default process.exit. */
  exit?: (code: number) => void;
  /** How long the notifier gets to spool or send the crash alert before we exit; default 500 ms. */
  graceMs?: number;
  /** Where lines go when there is no daemon yet; default stderr. */
  stderr?: { write(text: string): unknown };
}

type FatalKind = 'uncaught exception' | 'unhandled rejection';

/** Installs the handlers on `proc` (the real process in production); returns a function that removes them. */
export function installFatalHandlers(proc: NodeJS.Process, opts: FatalHandlerOptions): () => void {
  const exit = opts.exit ?? ((code: number) => proc.exit(code));
  const stderr = opts.stderr ?? proc.stderr;
  let exiting = false;

  const handle = (kind: FatalKind, reason: unknown): void => {
    const daemon = opts.daemon();
    const error = describeFault(reason);
    const stack = reason instanceof Error ? reason.stack : undefined;
    const log: FaultLog = daemon ? faultLog({ stateDir: daemon.ctx.stateDir, redactor: daemon.ctx.redactor, clock: daemon.ctx.clock, stderr }) : (level, _f, msg) => void stderr.write(`clawback: ${level}: ${msg}\n`);
    if (exiting) {
      log('fatal', { kind, err: reason }, `another ${kind} while exiting: ${error}`);
      return;
    }
    const shuttingDown = opts.shuttingDown?.() ?? false;
    log('fatal', { kind, err: reason, ...(stack ? { stack } : {}) }, `daemon ${kind}: ${error}${shuttingDown ? ' (during shutdown: the shutdown continues)' : `; exiting with code ${FATAL_EXIT_CODE}, services left running for the next daemon to adopt`}`);
    if (!daemon) {
      exiting = true;
      proc.exitCode = FATAL_EXIT_CODE;
      exit(FATAL_EXIT_CODE);
      return;
    }
    try {
      daemon.ctx.emit({
        type: 'daemon.crashed',
        time: daemon.ctx.clock.now(),
        severity: 'critical',
        message: shuttingDown
          ? `clawback hit a ${kind} while shutting down: ${error}; the shutdown continues`
          : `clawback daemon crashed (${kind}: ${error}); it exits with code ${FATAL_EXIT_CODE} and its service manager restarts it; services keep running and are adopted`,
        details: { kind, error, ...(stack ? { stack } : {}), exitCode: FATAL_EXIT_CODE, servicesLeftRunning: !shuttingDown },
      });
    } catch {
      // Journaling is best effort here.
    }
    if (shuttingDown) return;
    exiting = true;
    try {
      daemon.writeStateNow();
    } catch {
      // Never throws today; a crash handler takes no chances.
    }
    // A short grace for the notifier to spool or send the alert, then leave (services untouched). Should the
    // event loop empty first, the exit code is already set.
    proc.exitCode = FATAL_EXIT_CODE;
    setTimeout(() => exit(FATAL_EXIT_CODE), opts.graceMs ?? 500);
  };

  const onException = (err: unknown): void => handle('uncaught exception', err);
  const onRejection = (reason: unknown): void => handle('unhandled rejection', reason);
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.off('uncaughtException', onException);
    proc.off('unhandledRejection', onRejection);
  };
}
