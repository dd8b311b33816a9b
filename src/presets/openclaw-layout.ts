// What an emergency agent must know about an OpenClaw gateway's files and habits, to include in its prompt.
import path from 'node:path';
import { defaultOpenclawConfigPath, OPENCLAW_DEFAULT_PORT } from './openclaw.js';
import { externalServiceCommands, type ServiceManagerKind } from './openclaw-external.js';
import { OPENCLAW_PREFERRED_TMP_DIR } from './openclaw-tmp-dir.js';

export interface OpenclawLayoutOptions {
  home: string;
  /** OPENCLAW_CONFIG_PATH, if set. */
  configPath?: string;
  /** OPENCLAW_STATE_DIR, if set. */
  stateDir?: string;
  port?: number;
  /** argv that runs the openclaw CLI (default ["openclaw"]). */
  openclaw?: string[];
  /** Set when OpenClaw's own service manager runs the gateway (mode b). */
  serviceManager?: ServiceManagerKind;
  /** Date for the log file name; default today (UTC, as the gateway names it). */
  now?: Date;
  /** The gateway's temp root, from resolveOpenclawTmpDir (default /tmp/openclaw, its preferred one). */
  tmpDir?: string;
}

export interface OpenclawLayout {
  configPath: string;
  /** Directory of the gateway's JSON-lines log (openclaw-YYYY-MM-DD.log). */
  logDir: string;
  logFile: string;
  stateDir: string;
  doctorCommand: string[];
  validateCommand: string[];
  notes: string[];
}

/** Plain facts (paths, commands, pitfalls) for the Level 3 prompt; no secrets, nothing read from disk. */
export function openclawLayout(opts: OpenclawLayoutOptions): OpenclawLayout {
  const oc = opts.openclaw ?? ['openclaw'];
  const stateDir = opts.stateDir ?? path.join(opts.home, '.openclaw');
  const configPath = opts.configPath ?? defaultOpenclawConfigPath(opts.home, opts.stateDir);
  const port = opts.port ?? OPENCLAW_DEFAULT_PORT;
  const logDir = opts.tmpDir ?? OPENCLAW_PREFERRED_TMP_DIR;
  const day = (opts.now ?? new Date()).toISOString().slice(0, 10);
  const logFile = path.join(logDir, `openclaw-${day}.log`);
  const cfgName = path.basename(configPath);
  const notes = [
    `The gateway's config is JSON5 at ${configPath} (env OPENCLAW_CONFIG_PATH overrides it; \`${oc.join(' ')} config file\` prints it).`,
    `\`${oc.join(' ')} config validate --json\` checks it (exit 1 with issues[{path,message}]); it reads OPENCLAW_CONFIG_PATH, it takes no path argument.`,
    `OpenClaw keeps its own copies beside it: ${cfgName}.bak, ${cfgName}.bak.1..4, sometimes ${cfgName}.last-good; it moves a file it considers clobbered aside as ${cfgName}.clobbered.<ts>. Never delete any of them.`,
    `Exit code 78 means a config, lock or schema problem (truncated or garbage config, unknown key, invalid value, missing gateway.mode, lock held by another instance). Restarting does not help until the config is fixed.`,
    `\`${oc.join(' ')} doctor --fix --non-interactive\` removes unknown keys and restores ${cfgName}.last-good when it exists; it leaves an unparseable file unchanged and exits 1 when it has no good copy. It has been reported to drop gateway.auth and rotate the token: snapshot the config first and check it after.`,
    `Health on the gateway port ${port} from loopback, no token: GET /healthz (200 when live), /readyz (503 while starting, then 200), /startupz. Judge liveness by HTTP, not by pid: after a failed in-process restart the process can stay alive with nothing listening.`,
    `Start-up takes 11-25 s (over 60 s cold); do not conclude it failed before 90 s. The process tree (main + 2 workers) uses about 1 GB RSS.`,
    `Its single-instance locks are ${path.join(stateDir, 'tmp', 'openclaw-<uid>', 'gateway.*.lock')} (JSON naming the owner's pid); Clawback's doctor moves one aside only when its owner is provably gone. Do not delete them yourself.`,
    `A port held by another program: the gateway retries ~10-15 s, then exits 1 with "Gateway failed to start: ... EADDRINUSE ..." (or "Gateway failed: port ${port} is already in use."), then "Port ${port} is already in use." and "- pid N <user>: <command>" naming the holder. Do not kill a program you did not identify as a stale gateway; report it.`,
    `Exit 78 with "Doctor could not enter maintenance ... another OpenClaw process owns gateway-lifecycle" (or "gateway already running (pid N)") means another OpenClaw process uses ${stateDir}: a second gateway (any port, started by hand or by its own service) or a doctor run. \`${oc.join(' ')} doctor --fix\` fails the same way while it runs. Its pid is in ${path.join(stateDir, 'tmp', 'openclaw-<uid>', 'gateway.state.lock')}; do not stop it yourself, report it.`,
    `JSON-lines log: ${logFile} (setting logging.file in the config moves it). The gateway's stdout/stderr are in Clawback's service log.`,
    `Do not run \`${oc.join(' ')} gateway install/uninstall/stop\` or self-update: the gateway's lifecycle belongs to ${opts.serviceManager ? 'its service manager, driven by Clawback' : 'Clawback'}.`,
    `A config edited while the gateway runs is hot-reloaded (or ignored if invalid); deleting gateway.mode makes it restore itself from ${cfgName}.bak, possibly an older file.`,
  ];
  if (opts.serviceManager) {
    const ext = externalServiceCommands(opts.serviceManager, { home: opts.home });
    notes.push(`The gateway runs under ${opts.serviceManager} (${ext.unit}); restart it with \`${ext.restart.join(' ')}\`, its output is in ${ext.logHint}.`);
  }
  return {
    configPath,
    logDir,
    logFile,
    stateDir,
    doctorCommand: [...oc, 'doctor', '--fix', '--non-interactive'],
    validateCommand: [...oc, 'config', 'validate', '--json'],
    notes,
  };
}
