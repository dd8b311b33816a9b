#!/usr/bin/env node
// The `clawback` command: one subcommand per file. Exit codes: 0 ok, 1 error, 2 invalid config, 3 daemon not reachable,
// 4 unknown service (README, "Commands").
import { DaemonUnreachable } from './client.js';
import { ConfigError } from '../config/errors.js';
import { parseFastStatus } from './fast-status.js';

function fail(err: unknown): never {
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

const args = process.argv.slice(2);
const fast = parseFastStatus(args);
if (fast) {
  // The same function commander's `status` runs, without loading commander and the command tree.
  const { runStatus } = await import('./cmd-status.js');
  void runStatus(fast, fast.json).catch(fail);
} else {
  const { buildProgram, subcommandOf } = await import('./program.js');
  const program = await buildProgram(subcommandOf(args));
  // Not awaited: `run` never settles, and an unsettled top-level await would end the process with code 13.
  void program.parseAsync(process.argv).catch(fail);
}
