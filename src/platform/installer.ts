// `clawback install/uninstall`: a pure plan (files, commands, crontab edit) per OS service manager, and one place that applies it.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from './clock.js';
import { writeFileAtomic } from './atomic-write.js';
import { changedSinceInstall, contentHash, keepInstallCopy, readInstallRecord, writeInstallRecord } from './install-record.js';
import type { CommandRunner, RunResult } from './command-runner.js';
import {
  guardianCronEntry,
  launchdDaemonPlist,
  launchdGuardianPlist,
  mergeCrontab,
  serviceNames,
  systemdDaemonUnit,
  systemdGuardianService,
  systemdGuardianTimer,
  type ServiceFileInputs,
} from './service-files.js';
import { cutSnippet } from './cut-text.js';
import { mkdirRecursive } from './mkdir-cause.js';

export type ServiceManagerKind = 'systemd' | 'launchd' | 'cron';

export interface PlanInput extends ServiceFileInputs {
  platform: 'linux' | 'darwin';
  /** `/run/systemd/system` exists (see hasSystemdRuntime). */
  hasSystemd: boolean;
  /** The user's home directory (absolute). */
  home: string;
  /** Numeric uid, needed on darwin for `launchctl ... gui/<uid>`. */
  uid?: number;
}

export interface PlannedFile {
  path: string;
  content: string;
  mode: number;
}

export interface PlannedDir {
  path: string;
  mode: number;
}

export interface PlannedCommand {
  argv: string[];
  /** 'before-files' runs before files are written/removed, 'after-files' after (default). */
  when: 'before-files' | 'after-files';
  /** A failure is reported but does not stop the plan (e.g. bootout of a job that is not loaded). */
  allowFailure?: boolean;
  /** Run only if applying the plan changed at least one file (e.g. restart to pick up a new unit). */
  onlyIfFilesChanged?: boolean;
  /** Retries on failure (launchctl bootstrap right after bootout can fail transiently). */
  retry?: { attempts: number; delayMs: number };
  /** One line for the dry-run listing. */
  why: string;
}

/** Set (line) or remove (line null) the marked guardian entry of the user's crontab. */
export interface CrontabEdit {
  marker: string;
  line: string | null;
}

export interface Plan {
  action: 'install' | 'uninstall';
  manager: ServiceManagerKind;
  dirs: PlannedDir[];
  files: PlannedFile[];
  removeFiles: string[];
  commands: PlannedCommand[];
  crontab: CrontabEdit | null;
  notes: string[];
  /** Where the record of what install wrote, and copies of files changed since, are kept (the state dir). */
  recordDir: string;
}

/** Which manager a plan uses: launchd on macOS, systemd where it runs as init, else cron. */
export function chooseManager(platform: 'linux' | 'darwin', hasSystemd: boolean): ServiceManagerKind {
  if (platform === 'darwin') return 'launchd';
  return hasSystemd ? 'systemd' : 'cron';
}

function requireAbsolute(name: string, value: string): void {
  if (!path.isAbsolute(value)) throw new Error(`${name} must be an absolute path, got ${JSON.stringify(value)}`);
}

function requireUid(input: PlanInput): number {
  if (input.uid === undefined || !Number.isInteger(input.uid) || input.uid < 0) {
    throw new Error('uid is required on darwin (launchctl domain gui/<uid>)');
  }
  return input.uid;
}

export function systemdUserDir(home: string): string {
  return path.join(home, '.config', 'systemd', 'user');
}

export function launchAgentsDir(home: string): string {
  return path.join(home, 'Library', 'LaunchAgents');
}

const SYSTEMCTL = ['systemctl', '--user'];

/** What `clawback install` does on this platform (pure). Re-applying the same plan is safe. */
export function planInstall(input: PlanInput): Plan {
  const plan = planInstallFiles(input);
  const pinned = versionedNodeNote(input.nodePath);
  return pinned ? { ...plan, notes: [...plan.notes, pinned] } : plan;
}

/** Directories of node version managers: a node under one of them goes away when that version is removed. */
const VERSIONED_NODE = [
  /[\/]\.nvm[\/]versions[\/]node[\/]([^\/]+)[\/]/,
  /[\/]\.volta[\/]tools[\/]image[\/]node[\/]([^\/]+)[\/]/,
  /[\/]fnm[\/]node-versions[\/]([^\/]+)[\/]/,
  /[\/]\.asdf[\/]installs[\/]nodejs[\/]([^\/]+)[\/]/,
  /[\/]n[\/]versions[\/]node[\/]([^\/]+)[\/]/,
];

/**
 * The units run node by its absolute path. One a version manager owns (nvm...) disappears when that version is
 * removed, and then neither the daemon nor the guardian can start, so nothing is left to say so: said at install.
 */
export function versionedNodeNote(nodePath: string): string | undefined {
  for (const re of VERSIONED_NODE) {
    const m = re.exec(nodePath);
    if (m) {
      return `The daemon and the guardian run ${nodePath}, node ${m[1]} of a version manager: if that version is removed, neither can start (and nothing is left to tell you). Run \`clawback install\` again with the node you switch to, or install with a node outside the version manager (e.g. /usr/bin/node).`;
    }
  }
  return undefined;
}

function planInstallFiles(input: PlanInput): Plan {
  requireAbsolute('home', input.home);
  const manager = chooseManager(input.platform, input.hasSystemd);
  const names = serviceNames(input.label);
  const logs: PlannedDir = { path: path.join(input.stateDir, 'logs'), mode: 0o700 };
  const stateDir: PlannedDir = { path: input.stateDir, mode: 0o700 };
  const fileInputs: ServiceFileInputs = { ...input, platform: input.platform };

  if (manager === 'systemd') {
    const dir = systemdUserDir(input.home);
    return {
      action: 'install',
      recordDir: input.stateDir,
      manager,
      dirs: [stateDir, logs, { path: dir, mode: 0o755 }],
      files: [
        { path: path.join(dir, names.systemdService), content: systemdDaemonUnit(fileInputs), mode: 0o644 },
        { path: path.join(dir, names.systemdGuardianService), content: systemdGuardianService(fileInputs), mode: 0o644 },
        { path: path.join(dir, names.systemdGuardianTimer), content: systemdGuardianTimer(fileInputs), mode: 0o644 },
      ],
      removeFiles: [],
      commands: [
        { argv: [...SYSTEMCTL, 'daemon-reload'], when: 'after-files', why: 'make the user manager read the new unit files' },
        {
          // Not try-restart: its SIGTERM stops every service when the running daemon came from a unit written before
          // --keep-services-on-sigterm (an upgrade's reinstall). SIGUSR2 leaves them running in every version, and
          // Restart=always starts the daemon again from the new unit. Fails harmlessly when the daemon is not running.
          argv: [...SYSTEMCTL, 'kill', '--kill-who=main', '--signal=SIGUSR2', names.systemdService],
          when: 'after-files',
          onlyIfFilesChanged: true,
          allowFailure: true,
          why: 'a daemon that is already running exits leaving the services running, and systemd starts it again from the changed unit (it adopts them)',
        },
        {
          argv: [...SYSTEMCTL, 'enable', '--now', names.systemdService, names.systemdGuardianTimer],
          when: 'after-files',
          why: 'start the daemon and the guardian timer now and at every login/boot',
        },
        {
          argv: ['loginctl', 'enable-linger'],
          when: 'after-files',
          allowFailure: true,
          why: 'keep the user manager (and so the daemon) running without an open login session',
        },
      ],
      crontab: null,
      notes: [
        `systemd user units in ${dir}; logs: journalctl --user -u ${names.systemdService}`,
        'If enable-linger failed, run `sudo loginctl enable-linger $USER` so the daemon runs after logout and at boot.',
      ],
    };
  }

  if (manager === 'launchd') {
    const uid = requireUid(input);
    const dir = launchAgentsDir(input.home);
    const daemonPlist = path.join(dir, names.launchdDaemonPlist);
    const guardianPlist = path.join(dir, names.launchdGuardianPlist);
    const commands: PlannedCommand[] = [];
    for (const [label, file] of [
      [names.launchdDaemonLabel, daemonPlist],
      [names.launchdGuardianLabel, guardianPlist],
    ] as const) {
      commands.push(
        {
          argv: ['launchctl', 'bootout', `gui/${uid}/${label}`],
          when: 'after-files',
          allowFailure: true,
          why: `unload ${label} if loaded, so bootstrap reads the new plist (fails harmlessly when not loaded)`,
        },
        { argv: ['launchctl', 'enable', `gui/${uid}/${label}`], when: 'after-files', allowFailure: true, why: `clear a disabled flag on ${label}` },
        {
          argv: ['launchctl', 'bootstrap', `gui/${uid}`, file],
          when: 'after-files',
          retry: { attempts: 3, delayMs: 1000 },
          why: `load and start ${label}`,
        },
      );
    }
    return {
      action: 'install',
      recordDir: input.stateDir,
      manager,
      dirs: [stateDir, logs, { path: dir, mode: 0o755 }],
      files: [
        { path: daemonPlist, content: launchdDaemonPlist(fileInputs), mode: 0o644 },
        { path: guardianPlist, content: launchdGuardianPlist(fileInputs), mode: 0o644 },
      ],
      removeFiles: [],
      commands,
      crontab: null,
      notes: [`LaunchAgents in ${dir}; launchd output in ${logs.path}`],
    };
  }

  const entry = guardianCronEntry(fileInputs);
  return {
    action: 'install',
    recordDir: input.stateDir,
    manager,
    dirs: [stateDir, logs],
    files: [],
    removeFiles: [],
    commands: [],
    crontab: { marker: entry.marker, line: entry.line },
    notes: [
      'No systemd here (a container?): the guardian runs from your crontab, which needs a running cron daemon.',
      'The daemon itself must be started by the container entrypoint (e.g. `clawback run --config ...`); the guardian restarts it if it dies.',
    ],
  };
}

/** What `clawback uninstall` does (pure). Safe to run when nothing is installed. */
export function planUninstall(input: PlanInput): Plan {
  requireAbsolute('home', input.home);
  const manager = chooseManager(input.platform, input.hasSystemd);
  const names = serviceNames(input.label);
  const survivors = 'Supervised services keep running (they live in their own sessions); stop them first if you want them gone.';
  if (manager === 'systemd') {
    const dir = systemdUserDir(input.home);
    return {
      action: 'uninstall',
      recordDir: input.stateDir,
      manager,
      dirs: [],
      files: [],
      removeFiles: [names.systemdService, names.systemdGuardianService, names.systemdGuardianTimer].map((f) => path.join(dir, f)),
      commands: [
        {
          argv: [...SYSTEMCTL, 'disable', '--now', names.systemdGuardianTimer, names.systemdService],
          when: 'before-files',
          allowFailure: true,
          why: 'stop the guardian timer and the daemon and remove them from boot',
        },
        { argv: [...SYSTEMCTL, 'daemon-reload'], when: 'after-files', why: 'forget the removed units' },
        {
          argv: [...SYSTEMCTL, 'reset-failed', names.systemdService, names.systemdGuardianService],
          when: 'after-files',
          allowFailure: true,
          why: 'clear any failed state left behind',
        },
      ],
      crontab: null,
      notes: [survivors],
    };
  }
  if (manager === 'launchd') {
    const uid = requireUid(input);
    const dir = launchAgentsDir(input.home);
    return {
      action: 'uninstall',
      recordDir: input.stateDir,
      manager,
      dirs: [],
      files: [],
      removeFiles: [path.join(dir, names.launchdGuardianPlist), path.join(dir, names.launchdDaemonPlist)],
      commands: [names.launchdGuardianLabel, names.launchdDaemonLabel].map((label) => ({
        argv: ['launchctl', 'bootout', `gui/${uid}/${label}`],
        when: 'before-files' as const,
        allowFailure: true,
        why: `stop and unload ${label}`,
      })),
      crontab: null,
      notes: [survivors],
    };
  }
  return {
    action: 'uninstall',
    recordDir: input.stateDir,
    manager,
    dirs: [],
    files: [],
    removeFiles: [],
    commands: [],
    crontab: { marker: names.cronMarker, line: null },
    notes: ['The guardian entry is removed from your crontab; a daemon started by the entrypoint keeps running until stopped.', survivors],
  };
}

/** Shell-like display of an argv (display only: commands are never run through a shell). */
export function displayArgv(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_\/.,:@+=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Everything a plan would do, as text for `--dry-run` (pure). */
export function describePlan(plan: Plan): string {
  const out: string[] = [`${plan.action} plan (${plan.manager}):`];
  for (const d of plan.dirs) out.push(`  mkdir -p ${d.path} (mode ${d.mode.toString(8).padStart(4, '0')})`);
  const cmd = (c: PlannedCommand): string => {
    const flags = [c.allowFailure ? 'failure allowed' : '', c.onlyIfFilesChanged ? 'only if a file changed' : ''].filter(Boolean).join(', ');
    return `  run: ${displayArgv(c.argv)}${flags ? `  [${flags}]` : ''}\n       # ${c.why}`;
  };
  for (const c of plan.commands.filter((c) => c.when === 'before-files')) out.push(cmd(c));
  for (const f of plan.files) {
    out.push(`  write ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')}):`);
    for (const line of f.content.replace(/\n$/, '').split('\n')) out.push(`    | ${line}`);
  }
  for (const f of plan.removeFiles) out.push(`  remove ${f}`);
  for (const c of plan.commands.filter((c) => c.when === 'after-files')) out.push(cmd(c));
  if (plan.crontab) {
    if (plan.crontab.line === null) out.push(`  crontab: remove the entry marked\n    | ${plan.crontab.marker}`);
    else out.push(`  crontab: replace or add the entry\n    | ${plan.crontab.marker}\n    | ${plan.crontab.line}`);
  }
  if (plan.notes.length > 0) out.push('notes:', ...plan.notes.map((n) => `  - ${n}`));
  return `${out.join('\n')}\n`;
}

export interface ApplyOptions {
  /** Print the plan and touch nothing: no file, no command. */
  dryRun: boolean;
  /** Where the dry-run text (and progress lines) go; default: nowhere. */
  print?: (text: string) => void;
  clock?: Clock;
  /** Per-command timeout (default 30 000 ms). */
  commandTimeoutMs?: number;
}

export interface AppliedCommand {
  argv: string[];
  result?: RunResult;
  /** Why it did not run (dry run, no file changed, an earlier failure). */
  skipped?: string;
}

export interface ApplyResult {
  dryRun: boolean;
  ok: boolean;
  /** Files whose content or mode changed (written or removed). */
  changedFiles: string[];
  /** Files that differed from what install last wrote there (edited since?): where a copy was kept before they were replaced or removed. */
  keptCopies: { file: string; copy: string }[];
  commands: AppliedCommand[];
  crontab?: { before: string; after: string; written: boolean };
  errors: string[];
}

function failed(r: RunResult): boolean {
  return r.code !== 0 || r.error !== undefined;
}

function failure(argv: string[], r: RunResult): string {
  const why = r.error ?? (r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`);
  return `${displayArgv(argv)}: ${why}${r.stderr.trim() ? `: ${cutSnippet(r.stderr.trim(), 500)}` : ''}`;
}

async function fileDiffers(file: PlannedFile): Promise<boolean> {
  try {
    const [content, stat] = await Promise.all([fs.readFile(file.path, 'utf8'), fs.stat(file.path)]);
    return content !== file.content || (stat.mode & 0o777) !== file.mode;
  } catch {
    return true;
  }
}

/** Carries a plan out (or, with dryRun, only prints it). Stops at the first failing command that is not allowFailure. */
export async function applyPlan(plan: Plan, runner: CommandRunner, opts: ApplyOptions): Promise<ApplyResult> {
  const result: ApplyResult = { dryRun: opts.dryRun, ok: true, changedFiles: [], keptCopies: [], commands: [], errors: [] };
  if (opts.dryRun) {
    opts.print?.(describePlan(plan));
    result.commands = plan.commands.map((c) => ({ argv: c.argv, skipped: 'dry run' }));
    return result;
  }
  const clock = opts.clock ?? systemClock();
  const timeoutMs = opts.commandTimeoutMs ?? 30_000;

  const runPhase = async (when: PlannedCommand['when']): Promise<boolean> => {
    for (const c of plan.commands.filter((x) => x.when === when)) {
      if (!result.ok) {
        result.commands.push({ argv: c.argv, skipped: 'an earlier step failed' });
        continue;
      }
      if (c.onlyIfFilesChanged && result.changedFiles.length === 0) {
        result.commands.push({ argv: c.argv, skipped: 'no file changed' });
        continue;
      }
      const attempts = Math.max(1, c.retry?.attempts ?? 1);
      let r: RunResult | undefined;
      for (let i = 0; i < attempts; i++) {
        if (i > 0) await clock.sleep(c.retry?.delayMs ?? 1000);
        r = await runner.run(c.argv, { timeoutMs });
        if (!failed(r)) break;
      }
      const last = r as RunResult;
      result.commands.push({ argv: c.argv, result: last });
      opts.print?.(`ran: ${displayArgv(c.argv)} -> ${failed(last) ? failure(c.argv, last) : 'ok'}\n`);
      if (failed(last) && !c.allowFailure) {
        result.ok = false;
        result.errors.push(failure(c.argv, last));
      }
    }
    return result.ok;
  };

  try {
    for (const d of plan.dirs) await mkdirRecursive(d.path, d.mode);
    if (await runPhase('before-files')) {
      const record = await readInstallRecord(plan.recordDir);
      const recordBefore = JSON.stringify(record);
      // A file changed since install last wrote it (a hand edit of the unit) is never lost without a word: copy first.
      const keepIfChanged = async (file: string): Promise<void> => {
        const current = await changedSinceInstall(file, record);
        if (current === undefined) return;
        const copy = await keepInstallCopy(plan.recordDir, file, current, clock.now());
        result.keptCopies.push({ file, copy });
        const dropIn = /\.(service|timer)$/.test(file) ? `; lasting changes belong in a drop-in: systemctl --user edit ${path.basename(file)}` : '';
        opts.print?.(`kept a copy of ${file} as ${copy}: it differed from what clawback install last wrote there (edited by hand?)${dropIn}\n`);
      };
      try {
        for (const f of plan.files) {
          if (!(await fileDiffers(f))) {
            record[f.path] = contentHash(f.content);
            continue;
          }
          if (existsSync(f.path) && (await fs.readFile(f.path, 'utf8')) !== f.content) await keepIfChanged(f.path);
          await writeFileAtomic(f.path, f.content, { mode: f.mode });
          await fs.chmod(f.path, f.mode);
          record[f.path] = contentHash(f.content);
          result.changedFiles.push(f.path);
        }
        for (const f of plan.removeFiles) {
          if (!existsSync(f)) {
            delete record[f];
            continue;
          }
          await keepIfChanged(f);
          await fs.rm(f, { force: true });
          delete record[f];
          result.changedFiles.push(f);
        }
      } finally {
        if (JSON.stringify(record) !== recordBefore) await writeInstallRecord(plan.recordDir, record);
      }
      await runPhase('after-files');
    }
    if (result.ok && plan.crontab) await applyCrontab(plan.crontab, runner, timeoutMs, result);
  } catch (err) {
    result.ok = false;
    result.errors.push((err as Error).message);
  }
  return result;
}

/** What `crontab -l` says on stderr when the user has no crontab yet. */
const NO_CRONTAB = /no crontab|can't open '[^'\n]*': No such file or directory/i;

async function applyCrontab(edit: CrontabEdit, runner: CommandRunner, timeoutMs: number, result: ApplyResult): Promise<void> {
  const list = await runner.run(['crontab', '-l'], { timeoutMs });
  let before = '';
  if (failed(list)) {
    // `crontab -l` exits 1 when there is none: "no crontab for <user>" (cronie, Debian's cron), "crontab: can't open
    // '<user>': No such file or directory" (BusyBox: Alpine images); anything else must not be overwritten blindly.
    if (list.error !== undefined || !NO_CRONTAB.test(list.stderr)) {
      result.ok = false;
      result.errors.push(failure(['crontab', '-l'], list));
      return;
    }
  } else {
    before = list.stdout;
  }
  const after = mergeCrontab(before, edit.marker, edit.line);
  const normalizedBefore = before === '' || before.endsWith('\n') ? before : `${before}\n`;
  if (after === normalizedBefore) {
    result.crontab = { before, after, written: false };
    return;
  }
  const write = await runner.run(['crontab', '-'], { timeoutMs, input: after });
  result.commands.push({ argv: ['crontab', '-'], result: write });
  if (failed(write)) {
    result.ok = false;
    result.errors.push(failure(['crontab', '-'], write));
  }
  result.crontab = { before, after, written: !failed(write) };
}

/** systemd is the init system here (sd_booted(3): /run/systemd/system exists). */
export function hasSystemdRuntime(exists: (p: string) => boolean = existsSync): boolean {
  return exists('/run/systemd/system');
}

/** The systemd version from `systemctl --version` ("systemd 252 (...)"), or undefined. */
export async function detectSystemdVersion(runner: CommandRunner): Promise<number | undefined> {
  const r = await runner.run(['systemctl', '--version'], { timeoutMs: 5000 });
  if (failed(r)) return undefined;
  const m = /^systemd (\d+)/m.exec(r.stdout);
  return m ? Number(m[1]) : undefined;
}

/**
 * Which manager the guardian should ask to restart the daemon: the one whose files `install` left behind
 * (systemd unit / LaunchAgent), else 'none' (cron or nothing: the guardian starts the daemon itself).
 */
export function installedServiceManager(
  input: { platform: 'linux' | 'darwin'; hasSystemd: boolean; home: string; label?: string },
  exists: (p: string) => boolean = existsSync,
): 'systemd' | 'launchd' | 'none' {
  const names = serviceNames(input.label);
  const manager = chooseManager(input.platform, input.hasSystemd);
  if (manager === 'systemd' && exists(path.join(systemdUserDir(input.home), names.systemdService))) return 'systemd';
  if (manager === 'launchd' && exists(path.join(launchAgentsDir(input.home), names.launchdDaemonPlist))) return 'launchd';
  return 'none';
}
