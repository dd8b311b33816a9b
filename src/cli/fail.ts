// How a CLI command that threw ends the process: the exit codes the README documents, one place for every entry path.
import { DaemonUnreachable } from './client.js';
import { ConfigError } from '../config/errors.js';

/** Exit codes: 1 error, 2 invalid config, 3 daemon not reachable (README, "Commands"). */
export function fail(err: unknown): never {
  if (err instanceof DaemonUnreachable) {
    process.stderr.write(`clawback: ${err.message}\n`);
    process.exit(3);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`clawback: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`clawback: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
