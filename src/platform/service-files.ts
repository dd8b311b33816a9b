// Text of the OS service-manager files that keep the daemon alive (systemd user units, launchd plists, a crontab line): pure functions.
import path from 'node:path';
import plist from 'plist';
import { DEFAULT_GUARDIAN_INTERVAL_SEC } from './guardian-interval.js';
import { MIN_DAEMON_STOP_TIMEOUT_SEC } from './daemon-stop-timeout.js';

export interface ServiceFileInputs {
  /** Absolute path of the node binary. */
  nodePath: string;
  /** Absolute path of dist/cli/main.js. */
  entryPath: string;
  /** Absolute path of the clawback config file. */
  configPath: string;
  /** Absolute state directory. */
  stateDir: string;
  /** Instance name (default 'clawback'): names the units, launchd labels and the cron marker. */
  label?: string;
  /** How often the guardian checks the daemon (default 60). */
  guardianIntervalSec?: number;
  /** Extra environment for the daemon and the guardian. PATH defaults to node's directory plus the usual bin dirs. */
  env?: Record<string, string>;
  /**
   * The host's systemd version (`systemctl --version`). RestartSteps=/RestartMaxDelaySec= (systemd >= 254)
   * are written only when this is known to be >= 254, so older systemd (e.g. 252) never sees unknown keys.
   */
  systemdVersion?: number;
  /** 'linux' or 'darwin': only changes the default PATH. */
  platform?: 'linux' | 'darwin';
  /**
   * $PATH of the shell that runs `clawback install`: its absolute directories go into the default PATH (after node's),
   * so the commands that ran from that shell (a service in ~/.local/bin, `claude`, Homebrew's tmux) are found there too.
   */
  userPath?: string;
  /**
   * Seconds the daemon's SIGTERM shutdown may take (daemonStopTimeoutSec of the config's services): the unit's
   * TimeoutStopSec= and the plist's ExitTimeOut, past which the manager SIGKILLs the daemon mid-stop. Default 20.
   */
  daemonStopTimeoutSec?: number;
}

export interface ServiceNames {
  label: string;
  /** e.g. clawback.service */
  systemdService: string;
  /** e.g. clawback-guardian.service */
  systemdGuardianService: string;
  /** e.g. clawback-guardian.timer */
  systemdGuardianTimer: string;
  /** e.g. ai.clawback.daemon */
  launchdDaemonLabel: string;
  /** e.g. ai.clawback.guardian */
  launchdGuardianLabel: string;
  /** e.g. ai.clawback.daemon.plist */
  launchdDaemonPlist: string;
  launchdGuardianPlist: string;
  /** The comment line that marks the guardian's crontab entry. */
  cronMarker: string;
}

export const DEFAULT_LABEL = 'clawback';
export { DEFAULT_GUARDIAN_INTERVAL_SEC } from './guardian-interval.js';
/** First systemd release that knows RestartSteps= and RestartMaxDelaySec=. */
export const SYSTEMD_RESTART_STEPS_VERSION = 254;

export function serviceNames(label: string = DEFAULT_LABEL): ServiceNames {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(label)) {
    throw new Error(`service label ${JSON.stringify(label)}: expected lowercase letters, digits and '-'`);
  }
  return {
    label,
    systemdService: `${label}.service`,
    systemdGuardianService: `${label}-guardian.service`,
    systemdGuardianTimer: `${label}-guardian.timer`,
    launchdDaemonLabel: `ai.${label}.daemon`,
    launchdGuardianLabel: `ai.${label}.guardian`,
    launchdDaemonPlist: `ai.${label}.daemon.plist`,
    launchdGuardianPlist: `ai.${label}.guardian.plist`,
    cronMarker: `# ${label}-guardian: managed by clawback install/uninstall, do not edit this line or the next`,
  };
}

interface Resolved {
  nodePath: string;
  entryPath: string;
  configPath: string;
  stateDir: string;
  names: ServiceNames;
  intervalSec: number;
  env: [string, string][];
  systemdVersion: number | undefined;
  stopTimeoutSec: number;
}

function resolveInputs(inputs: ServiceFileInputs): Resolved {
  for (const key of ['nodePath', 'entryPath', 'configPath', 'stateDir'] as const) {
    const value = inputs[key];
    if (!path.isAbsolute(value)) throw new Error(`${key} must be an absolute path, got ${JSON.stringify(value)}`);
    if (/[\n\r\0]/.test(value)) throw new Error(`${key} contains a newline or NUL`);
  }
  const intervalSec = inputs.guardianIntervalSec ?? DEFAULT_GUARDIAN_INTERVAL_SEC;
  if (!Number.isInteger(intervalSec) || intervalSec < 10 || intervalSec > 86_400) {
    throw new Error(`guardianIntervalSec must be an integer between 10 and 86400, got ${intervalSec}`);
  }
  const stopTimeoutSec = inputs.daemonStopTimeoutSec ?? MIN_DAEMON_STOP_TIMEOUT_SEC;
  if (!Number.isInteger(stopTimeoutSec) || stopTimeoutSec < 1) {
    throw new Error(`daemonStopTimeoutSec must be a positive integer (seconds), got ${stopTimeoutSec}`);
  }
  const env: Record<string, string> = { PATH: defaultPath(inputs.nodePath, inputs.platform ?? 'linux', inputs.userPath), ...inputs.env };
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`environment variable name ${JSON.stringify(k)} is not valid`);
    if (/[\n\r\0]/.test(v)) throw new Error(`environment variable ${k} contains a newline or NUL`);
  }
  return {
    nodePath: inputs.nodePath,
    entryPath: inputs.entryPath,
    configPath: inputs.configPath,
    stateDir: inputs.stateDir,
    names: serviceNames(inputs.label),
    intervalSec,
    env: Object.entries(env).sort(([a], [b]) => a.localeCompare(b)),
    systemdVersion: inputs.systemdVersion,
    stopTimeoutSec,
  };
}

/**
 * node's own directory first (nvm, Homebrew installs: pinned, whatever `nvm use` says later), then the installing
 * shell's PATH (absolute entries only: `.` or an empty entry would mean the unit's working directory), then the usual
 * system directories. systemd, launchd and cron start the daemon without the user's shell profile: with the system
 * directories alone, a service, doctor or agent command found from the shell (~/.local/bin, ~/.npm-global/bin) was
 * "not on PATH" under the unit and the service was never started.
 */
export function defaultPath(nodePath: string, platform: 'linux' | 'darwin' = 'linux', userPath?: string): string {
  const dirs = [path.dirname(nodePath)];
  for (const dir of (userPath ?? '').split(':')) {
    if (path.isAbsolute(dir) && !/[\n\r\0]/.test(dir)) dirs.push(path.normalize(dir).replace(/(.)\/$/, '$1'));
  }
  if (platform === 'darwin') dirs.push('/opt/homebrew/bin');
  dirs.push('/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin');
  return [...new Set(dirs)].join(':');
}

/**
 * argv of the daemon: node main.js run --keep-services-on-sigterm --config C --state-dir S. systemd and launchd stop
 * and restart the daemon with SIGTERM (systemctl restart, the guardian's restart, uninstall): the services
 * keep running and the next daemon adopts them, as KillMode=process / AbandonProcessGroup intend.
 */
export function daemonArgv(inputs: ServiceFileInputs): string[] {
  const r = resolveInputs(inputs);
  return [r.nodePath, ...DAEMON_NODE_FLAGS, r.entryPath, 'run', '--keep-services-on-sigterm', '--config', r.configPath, '--state-dir', r.stateDir];
}

/**
 * The daemon is mostly idle: a 1 MB young generation keeps its resident memory ~15 MB lower. Inlining a quarter as
 * much bytecode per optimized function makes each of the ~150 compilations of its first minutes cheaper (20 gateways,
 * first minute: 2.45 -> 2.10 % of a core) at no cost once warm (100 services: 2.5-2.6 % either way); docs/benchmarks.md.
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1', '--max-inlined-bytecode-size-cumulative=230'];

/**
 * argv of one guardian pass: node main.js guardian --once --config C --state-dir S --json. Its report goes to
 * guardian.log (cron, launchd) or the journal (systemd): one line a pass, where the indented report took 20 or more.
 */
export function guardianArgv(inputs: ServiceFileInputs): string[] {
  const r = resolveInputs(inputs);
  return [r.nodePath, r.entryPath, 'guardian', '--once', '--config', r.configPath, '--state-dir', r.stateDir, '--json'];
}

/** Escapes systemd specifiers (%) in any unit-file value. */
function escapeSpecifiers(value: string): string {
  return value.replace(/%/g, '%%');
}

/**
 * One ExecStart= word per systemd's rules: `%` specifiers doubled, `$` variable expansion doubled,
 * words with whitespace, quotes or backslashes double-quoted with C escapes; a lone `;` escaped.
 * The executable (first word) is not subject to `$` expansion, so its `$` stays single.
 */
export function systemdQuoteArg(arg: string, opts: { executable?: boolean } = {}): string {
  if (/[\n\r\0]/.test(arg)) throw new Error(`argument ${JSON.stringify(arg)} contains a newline or NUL`);
  if (arg === ';') return '\\;';
  const specifiersEscaped = escapeSpecifiers(arg);
  const escaped = opts.executable ? specifiersEscaped : specifiersEscaped.replace(/\$/g, '$$$$');
  if (arg !== '' && !/[\s"'\\]/.test(arg)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * systemd refuses an executable path with a quote or a backslash in it ("Executable name contains special
 * characters": the unit does not load), e.g. node under /home/o'brien/.nvm. Such a path is run through /usr/bin/env,
 * where it is an ordinary (quoted) argument.
 */
const SYSTEMD_UNSAFE_EXECUTABLE = /["'\\\x00-\x1f\x7f]/;

function systemdExec(argv: string[]): string {
  const words = argv[0] !== undefined && SYSTEMD_UNSAFE_EXECUTABLE.test(argv[0]) ? ['/usr/bin/env', ...argv] : argv;
  return words.map((a, i) => systemdQuoteArg(a, { executable: i === 0 })).join(' ');
}

/** `Environment="K=V"` with C escapes inside the quotes; `$` has no special meaning there. */
function systemdEnvironment(k: string, v: string): string {
  const assignment = escapeSpecifiers(`${k}=${v}`).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `Environment="${assignment}"`;
}

function unitText(sections: [string, string[]][]): string {
  return `${sections.map(([name, lines]) => [`[${name}]`, ...lines].join('\n')).join('\n\n')}\n`;
}

/** The daemon's systemd user unit (clawback.service). */
export function systemdDaemonUnit(inputs: ServiceFileInputs): string {
  const r = resolveInputs(inputs);
  const service = [
    'Type=simple',
    `ExecStart=${systemdExec(daemonArgv(inputs))}`,
    // `systemctl --user reload clawback` re-reads the config file (SIGHUP, the same as `clawback reload`).
    'ExecReload=/bin/kill -HUP $MAINPID',
    `WorkingDirectory=${escapeSpecifiers(path.dirname(r.configPath))}`,
    ...r.env.map(([k, v]) => systemdEnvironment(k, v)),
    'Restart=always',
    'RestartSec=2',
    // `clawback run` exits 78 (EX_CONFIG) on a config it cannot load: restarting it cannot help until the file is fixed.
    'RestartPreventExitStatus=78',
  ];
  if (r.systemdVersion !== undefined && r.systemdVersion >= SYSTEMD_RESTART_STEPS_VERSION) {
    service.push('RestartSteps=5', 'RestartMaxDelaySec=60');
  }
  service.push(
    '# Supervised services run in their own sessions (setsid) and must outlive a daemon restart:',
    '# KillMode=process stops only the daemon itself, leaving the rest of the cgroup (the services) running,',
    '# and the restarted daemon adopts them again from state.json.',
    'KillMode=process',
    '# At least the longest service stop grace plus what the shutdown adds: a SIGKILL mid-stop loses state.json and daemon.stopped.',
    `TimeoutStopSec=${r.stopTimeoutSec}`,
  );
  return unitText([
    [
      'Unit',
      [
        `Description=Clawback self-healing supervisor (${r.names.label})`,
        'After=network-online.target',
        '# Crash-loop limit of systemd itself: these keys belong in [Unit] (in [Service] they are ignored).',
        'StartLimitIntervalSec=300',
        'StartLimitBurst=10',
      ],
    ],
    ['Service', service],
    ['Install', ['WantedBy=default.target']],
  ]);
}

/** The guardian's one-shot unit (clawback-guardian.service), started by the timer. */
export function systemdGuardianService(inputs: ServiceFileInputs): string {
  const r = resolveInputs(inputs);
  return unitText([
    ['Unit', [`Description=Clawback guardian: revive the ${r.names.label} daemon if its heartbeat stopped`]],
    [
      'Service',
      [
        'Type=oneshot',
        `ExecStart=${systemdExec(guardianArgv(inputs))}`,
        `WorkingDirectory=${escapeSpecifiers(path.dirname(r.configPath))}`,
        ...r.env.map(([k, v]) => systemdEnvironment(k, v)),
        'TimeoutStartSec=120',
        '# A daemon (and services) the guardian had to start itself must outlive its pass, as AbandonProcessGroup does',
        '# for launchd: the default KillMode=control-group killed the whole cgroup as soon as this oneshot exited.',
        'KillMode=process',
      ],
    ],
  ]);
}

/** The guardian's timer (clawback-guardian.timer). */
export function systemdGuardianTimer(inputs: ServiceFileInputs): string {
  const r = resolveInputs(inputs);
  const every = `${r.intervalSec}s`;
  return unitText([
    ['Unit', [`Description=Clawback guardian timer (${r.names.label}, every ${every})`]],
    [
      'Timer',
      [
        // OnActiveSec covers the first run after `enable --now` long after boot; OnUnitActiveSec repeats.
        `OnBootSec=${every}`,
        `OnActiveSec=${every}`,
        `OnUnitActiveSec=${every}`,
        `AccuracySec=${Math.max(1, Math.min(10, Math.floor(r.intervalSec / 6)))}s`,
        `Unit=${r.names.systemdGuardianService}`,
      ],
    ],
    ['Install', ['WantedBy=timers.target']],
  ]);
}

function launchdEnv(r: Resolved): Record<string, string> {
  return Object.fromEntries(r.env);
}

/** The daemon's LaunchAgent (ai.clawback.daemon.plist). */
export function launchdDaemonPlist(inputs: ServiceFileInputs): string {
  const r = resolveInputs(inputs);
  const logs = path.join(r.stateDir, 'logs');
  const argv = daemonArgv(inputs);
  const run = argv.indexOf('run') + 1;
  return plist.build({
    Label: r.names.launchdDaemonLabel,
    // launchd has no RestartPreventExitStatus: a refusal no restart can fix (a config that does not load, another
    // daemon running) exits 0 here, and KeepAlive restarts only an unsuccessful exit (a crash, a kill, exit 70), where
    // KeepAlive=true restarted such a daemon every ThrottleInterval (10 s) for as long as the file stayed broken.
    ProgramArguments: [...argv.slice(0, run), '--refusal-exit-code', '0', ...argv.slice(run)],
    WorkingDirectory: path.dirname(r.configPath),
    EnvironmentVariables: launchdEnv(r),
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 10,
    // launchd SIGKILLs a job still running ExitTimeOut s (default 20) after its SIGTERM: as TimeoutStopSec= above.
    ExitTimeOut: r.stopTimeoutSec,
    // The services the daemon supervises must survive a daemon exit: launchd would otherwise kill the job's process group.
    AbandonProcessGroup: true,
    StandardOutPath: path.join(logs, 'launchd-daemon.out.log'),
    StandardErrorPath: path.join(logs, 'launchd-daemon.err.log'),
  });
}

/** The guardian's LaunchAgent (ai.clawback.guardian.plist), run every guardianIntervalSec. */
export function launchdGuardianPlist(inputs: ServiceFileInputs): string {
  const r = resolveInputs(inputs);
  const log = path.join(r.stateDir, 'logs', 'guardian.log');
  return plist.build({
    Label: r.names.launchdGuardianLabel,
    ProgramArguments: guardianArgv(inputs),
    WorkingDirectory: path.dirname(r.configPath),
    EnvironmentVariables: launchdEnv(r),
    RunAtLoad: true,
    StartInterval: r.intervalSec,
    // If the guardian had to start the daemon itself, that daemon must outlive the guardian's run.
    AbandonProcessGroup: true,
    StandardOutPath: log,
    StandardErrorPath: log,
  });
}

/** Quotes one word for /bin/sh, inside a crontab (`%` is a newline there unless escaped). */
export function cronShellQuote(word: string): string {
  const quoted = /^[A-Za-z0-9_\/.,:@+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
  return quoted.replace(/%/g, '\\%');
}

export interface CronEntry {
  marker: string;
  line: string;
}

/** The guardian's crontab entry: a marker comment and the job line (output appended to logs/guardian.log). */
export function guardianCronEntry(inputs: ServiceFileInputs): CronEntry {
  const r = resolveInputs(inputs);
  const minutes = Math.min(59, Math.max(1, Math.round(r.intervalSec / 60)));
  const envPrefix = r.env.map(([k, v]) => `${k}=${cronShellQuote(v)}`).join(' ');
  const command = guardianArgv(inputs).map(cronShellQuote).join(' ');
  const log = cronShellQuote(path.join(r.stateDir, 'logs', 'guardian.log'));
  return {
    marker: r.names.cronMarker,
    line: `*/${minutes} * * * * ${envPrefix ? `${envPrefix} ` : ''}${command} >> ${log} 2>&1`,
  };
}

/**
 * Puts `entry` into the crontab text in place of any earlier marked entry (the marker line and, when it is the guardian's
 * job, the line after it),
 * or appends it; with entry null removes every marked entry. Other lines are kept as they are. Pure.
 */
export function mergeCrontab(current: string, marker: string, line: string | null): string {
  const lines = current.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const kept: string[] = [];
  let insertAt = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === marker.trim()) {
      if (insertAt < 0) insertAt = kept.length;
      // The next line goes only if it is our job (its `guardian` command and log): a person who deleted the job but
      // left the marker would otherwise lose their own next cron line.
      if (i + 1 < lines.length && lines[i + 1]!.trim() !== marker.trim() && /\bguardian\b/.test(lines[i + 1]!)) i++;
      continue;
    }
    kept.push(lines[i]!);
  }
  if (line !== null) {
    if (/[\n\r]/.test(line)) throw new Error('crontab line contains a newline');
    kept.splice(insertAt < 0 ? kept.length : insertAt, 0, marker, line);
  }
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}
