#!/usr/bin/env node
// The `clawback` command: one subcommand per file, all thin clients of the daemon except run/validate.
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerRun } from './cmd-run.js';
import { registerValidate } from './cmd-validate.js';
import { registerStatus } from './cmd-status.js';
import { registerControl } from './cmd-control.js';
import { registerDoctor } from './cmd-doctor.js';
import { registerHistory } from './cmd-history.js';
import { registerNotify } from './cmd-notify.js';
import { registerInstall } from './cmd-install.js';
import { registerDrill } from './cmd-drill.js';
import { DaemonUnreachable } from './client.js';

const program = new Command();
program
  .name('clawback')
  .description('Self-healing supervisor: keep-alive, watchdog, doctor, AI emergency, human escalation')
  .version(VERSION)
  .option('-c, --config <file>', 'config file (default: $CLAWBACK_CONFIG, ./clawback.yaml, or the embedded demo)')
  .option('--state-dir <dir>', 'state directory (default: $CLAWBACK_STATE_DIR, the config\'s stateDir, or ~/.clawback)');

registerRun(program);
registerValidate(program);
registerStatus(program);
registerControl(program);
registerDoctor(program);
registerHistory(program);
registerNotify(program);
registerInstall(program);
registerDrill(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof DaemonUnreachable) {
    process.stderr.write(`clawback: ${err.message}\n`);
    process.exit(3);
  }
  process.stderr.write(`clawback: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
