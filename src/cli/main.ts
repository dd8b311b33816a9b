#!/usr/bin/env node
// The `clawback` command: one subcommand per file. Exit codes: 0 ok, 1 error, 2 invalid config, 3 daemon not reachable,
// 4 unknown service (README, "Commands").
import { DaemonUnreachable } from './client.js';
import { ConfigError } from '../config/errors.js';
import { buildProgram, subcommandOf } from './program.js';

const program = await buildProgram(subcommandOf(process.argv.slice(2)));

program.parseAsync(process.argv).catch((err: unknown) => {
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
});
