// The command tree of `clawback`: global options and each command's module, loaded only when that command runs.
import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../version.js';
import { SYSEXITS } from './fail.js';
import { exitAfterUsageError } from './json-error.js';
import { keepCloseSuggestions } from './close-suggestion.js';

type Register = (program: Command) => void;

/** The commands whose exit codes 1 and 2 are outcomes (README, "Commands"): their usage errors exit 64. */
const OWN_CODES = new Set(['doctor', 'drill']);

/** Each command's module, loaded only when that command runs: `clawback status` must not load the daemon. */
const COMMANDS: Record<string, () => Promise<Register[]>> = {
  run: async () => [(await import('./cmd-run.js')).registerRun],
  validate: async () => [(await import('./cmd-validate.js')).registerValidate],
  status: async () => [(await import('./cmd-status.js')).registerStatus],
  control: async () => [(await import('./cmd-control.js')).registerControl],
  doctor: async () => [(await import('./cmd-doctor.js')).registerDoctor],
  history: async () => [(await import('./cmd-history.js')).registerHistory],
  notify: async () => [(await import('./cmd-notify.js')).registerNotify],
  install: async () => [(await import('./cmd-install.js')).registerInstall],
  init: async () => [(await import('./cmd-init.js')).registerInit],
  drill: async () => [(await import('./cmd-drill.js')).registerDrill],
  maintenance: async () => [(await import('./cmd-maintenance.js')).registerMaintenance],
  scale: async () => [(await import('./cmd-scale.js')).registerScale],
  reload: async () => [(await import('./cmd-reload.js')).registerReload],
  acknowledge: async () => [(await import('./cmd-acknowledge.js')).registerAcknowledge],
  update: async () => [(await import('./cmd-update.js')).registerUpdate],
  cluster: async () => [(await import('./cmd-cluster.js')).registerCluster],
};

const MODULE_OF: Record<string, string> = {
  run: 'run',
  validate: 'validate',
  schema: 'validate',
  status: 'status',
  start: 'control',
  stop: 'control',
  restart: 'control',
  resume: 'control',
  doctor: 'doctor',
  logs: 'history',
  incidents: 'history',
  incident: 'history',
  digest: 'history',
  notify: 'notify',
  install: 'install',
  uninstall: 'install',
  guardian: 'install',
  init: 'init',
  drill: 'drill',
  maintenance: 'maintenance',
  approve: 'maintenance',
  refuse: 'maintenance',
  scale: 'scale',
  reload: 'reload',
  acknowledge: 'acknowledge',
  update: 'update',
  cluster: 'cluster',
};

/** The first word that is not a global option (or its value). */
export function subcommandOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config' || a === '--state-dir') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a;
  }
  return undefined;
}

/** Loads the modules of the named subcommand (or of all commands when it is unknown or absent). */
async function loadCommands(program: Command, sub: string | undefined): Promise<void> {
  const wanted = sub && MODULE_OF[sub] ? [MODULE_OF[sub]!] : Object.keys(COMMANDS);
  for (const key of wanted) for (const register of await COMMANDS[key]!()) register(program);
}

/** The program with the commands `sub` needs (all of them when sub is undefined, e.g. for `--help` and the doc tests). */
export async function buildProgram(sub: string | undefined): Promise<Command> {
  const program = new Command();
  program
    .name('clawback')
    .description('Self-healing supervisor: keep-alive, watchdog, doctor, AI emergency, human escalation')
    .version(VERSION)
    .option('-c, --config <file>', 'config file (default: $CLAWBACK_CONFIG, ./clawback.yaml, or the embedded demo)')
    .option('--state-dir <dir>', 'state directory (default: $CLAWBACK_STATE_DIR, the config\'s stateDir, or ~/.clawback)');

  // Commander ends a usage error (an unknown option, even before the command) with 1; for `doctor` and `drill` 1 is an
  // outcome ("all fixed", "a scenario failed"), so there it is 64 (EX_USAGE). Every other command documents 1 for it.
  program.exitOverride((err) => (err.exitCode === 0 ? process.exit(0) : exitAfterUsageError(keepCloseSuggestions(err.message), sub !== undefined && OWN_CODES.has(sub) ? SYSEXITS.USAGE : err.exitCode)));
  // Subcommands inherit it (they are added below): a did-you-mean only for a near miss, on stderr as in --json.
  program.configureOutput({ outputError: (str, write) => write(keepCloseSuggestions(str)) });
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 error, 2 invalid config, 3 daemon not running or not answering, 4 unknown service.\n' +
      `Docs: ${fileURLToPath(new URL('../../README.md', import.meta.url))}\n`,
  );
  await loadCommands(program, sub);
  return program;
}

