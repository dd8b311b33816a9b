// `clawback install|uninstall [--dry-run]` and `clawback guardian --once`: the OS keeps the daemon alive.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, fstatSync, rmSync, statSync } from 'node:fs';
import { exitWithError, jsonErrorLine } from './json-error.js';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findConfigFile, loadConfig } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { daemonStopTimeoutSec } from '../platform/daemon-stop-timeout.js';
import { clientStateDir } from './client.js';
import { planInstall, planUninstall, applyPlan, describePlan, hasSystemdRuntime, detectSystemdVersion, installedServiceManager, chooseManager, type ServiceManagerKind } from '../platform/installer.js';
import { serviceNames } from '../platform/service-files.js';
import { unitEnvGaps, unitEnvNotes } from '../platform/install-env.js';
import { realCommandRunner } from '../platform/command-runner.js';
import { guardianOnce, type DaemonExit, type StartedDaemon } from '../daemon/guardian.js';
import { foldDiskRefusals, pushError } from '../daemon/disk-refusal-fold.js';
import { alertGuardianOutcome, isServiceAlert, serviceAlertsOf } from '../daemon/guardian-alert.js';
import type { ClawbackEvent } from '../observe/events.js';
import { Redactor } from '../observe/redact.js';
import { DAEMON_NODE_FLAGS } from '../platform/service-files.js';
import { systemClock } from '../platform/clock.js';
import { diskRefusalText } from '../daemon/disk-refusal-text.js';
import { STOPPED_MARKER } from '../daemon/daemon.js';
import { currentBootId, startedSinceStop, stoppedThisBoot } from '../daemon/stopped-marker.js';
import { DAEMON_LOCK_FILE } from '../daemon/daemon-lock.js';
import { reviveServicesDirectly } from '../daemon/direct-revive.js';
import { durationOption } from './number-option.js';
import { formatDuration } from '../config/duration.js';
import { appendPendingEvent } from '../daemon/pending-events.js';
import { rotateOwnLogs } from '../daemon/guardian-logs.js';
import { armPassWatchdog } from '../daemon/pass-watchdog.js';
import { readRegularFileSync } from '../platform/read-regular.js';
import { readDaemonInfoSync } from '../daemon/daemon-info.js';
import { removeGuardianInstalled, writeGuardianInstalled, writeGuardianPass } from '../daemon/guardian-pass.js';
import { DEFAULT_GUARDIAN_INTERVAL_SEC } from '../platform/service-files.js';
import { clearStartFailure, takeStartFailure } from '../daemon/start-failure.js';
import { reviveConfig, RecordedConfigGone, type ReviveConfig } from './revive-config.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

const ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));

function platform(): 'linux' | 'darwin' {
  return process.platform === 'darwin' ? 'darwin' : 'linux';
}

function inputs(program: Command): { configPath: string; stateDir: string } {
  const g = program.opts<{ config?: string; stateDir?: string }>();
  const configPath = findConfigFile(g.config ? { file: g.config } : {});
  if (!configPath) {
    exitWithError('invalid-config', 'install needs a config file (--config FILE, $CLAWBACK_CONFIG or ./clawback.yaml); the embedded demo is for trying only', 2);
  }
  return { configPath, stateDir: clientStateDir(g) };
}

export function registerInstall(program: Command): void {
  for (const action of ['install', 'uninstall'] as const) {
    program
      .command(action)
      .description(action === 'install' ? 'install the daemon as a user service (systemd / launchd, or a cron guardian) plus the guardian' : 'remove what install added')
      .option('--dry-run', 'print every file and command, change nothing')
      .option('--interval <duration>', 'install: how often the guardian runs (seconds, or a duration such as 2m; 10 s to 24 h; cron runs it every whole minute)', guardianIntervalOption)
      .option('--json', 'print the answer as one JSON object: {"ok":true,"message","dryRun","steps","notes"} (--dry-run: "plan", the text it prints)')
      .action(async (o: { dryRun?: boolean; interval?: number; json?: boolean }) => {
        const { configPath, stateDir } = inputs(program);
        // A config the daemon cannot load (a mistyped --config, a key in error) would replace the units (or the cron
        // line) of a working install with ones whose daemon exits 78 at once: refused before anything is touched.
        const problem = action === 'install' ? await configProblem(configPath, stateDir) : undefined;
        if (problem !== undefined) {
          exitWithError('invalid-config', `install refused, nothing changed: the daemon could not load this config:\n${problem}`, 2);
        }
        const runner = realCommandRunner();
        const hasSystemd = hasSystemdRuntime();
        const systemdVersion = hasSystemd ? await detectSystemdVersion(runner) : undefined;
        const stopTimeout = action === 'install' ? stopTimeoutOf(configPath, stateDir) : undefined;
        const input = {
          platform: platform(),
          hasSystemd,
          home: os.homedir(),
          nodePath: process.execPath,
          entryPath: ENTRY,
          configPath,
          stateDir,
          // The daemon under systemd/launchd/cron finds the commands this shell finds (service-files.ts, defaultPath).
          ...(process.env.PATH ? { userPath: process.env.PATH } : {}),
          ...(typeof process.getuid === 'function' ? { uid: process.getuid() } : {}),
          ...(systemdVersion !== undefined ? { systemdVersion } : {}),
          ...(o.interval !== undefined ? { guardianIntervalSec: o.interval } : {}),
          ...(action === 'install' && stopTimeout !== undefined ? { daemonStopTimeoutSec: stopTimeout } : {}),
        };
        const plan = action === 'install' ? planInstall(input) : planUninstall(input);
        if (action === 'install') plan.notes.push(...envNotes(configPath, stateDir, chooseManager(input.platform, hasSystemd)));
        if (o.dryRun) {
          process.stdout.write(o.json ? JSON.stringify({ ok: true, message: `${action} --dry-run: nothing changed`, dryRun: true, plan: describePlan(plan), notes: plan.notes }) + '\n' : describePlan(plan) + '\n');
          return;
        }
        // Under --json the steps are gathered into the one answer line instead of printed as they are done.
        const steps: string[] = [];
        const say = (t: string): void => {
          if (o.json) steps.push(t);
          else process.stdout.write(t + '\n');
        };
        const result = await applyPlan(plan, runner, { dryRun: false, print: say });
        if (!o.json) for (const note of plan.notes) process.stdout.write(`note: ${note}\n`);
        if (!result.ok) {
          for (const e of result.errors) process.stderr.write(`clawback: ${e}\n`);
          if (o.json) process.stdout.write(jsonErrorLine('error', result.errors.join('; '), 1));
          process.exit(1);
        }
        // Installing asks that the daemon be kept running: an earlier stop on purpose (a Ctrl-C while trying it) left
        // the cron guardian, which nothing else starts the daemon for, saying "stopped on purpose" every minute.
        // The daemon says (status, /metrics) when an installed guardian stopped running: it knows one is from this file.
        try {
          if (action === 'install') {
            const manager = chooseManager(input.platform, hasSystemd);
            writeGuardianInstalled(stateDir, { intervalSec: installedIntervalSec(manager, o.interval ?? DEFAULT_GUARDIAN_INTERVAL_SEC), manager, at: Date.now() });
          }
          else removeGuardianInstalled(stateDir);
        } catch (err) {
          process.stderr.write(`clawback: warning: ${(err as Error).message}: status cannot tell when the guardian stops running\n`);
        }
        const stopped = path.join(stateDir, STOPPED_MARKER);
        if (action === 'install' && existsSync(stopped)) {
          rmSync(stopped, { force: true });
          say(`removed ${stopped} (the daemon was stopped on purpose): the guardian keeps it running from now on`);
        }
        if (o.json) process.stdout.write(JSON.stringify({ ok: true, message: `${action} done`, dryRun: false, steps, notes: plan.notes }) + '\n');
        else process.stdout.write(`${action} done\n`);
      });
  }

  program
    .command('guardian')
    .description('check the daemon once (heartbeat and pid); revive it if dead or hung; keep services up if it cannot')
    .option('--once', 'one pass (what the timer / cron runs)', true)
    .addOption(new Option('--stale-after <duration>', 'heartbeat age that counts as hung: a duration such as 30s or 2m (a plain number is milliseconds)').argParser(durationOption(1)).default(15_000, '15s'))
    .option('--json', 'the report as one line of JSON (as every other --json answer); without it, indented')
    .addOption(new Option('--pass-timeout <duration>', 'bound of the whole pass, counted from its start: past it the pass reports timed-out and exits 1, or 137 (SIGKILL by its watchdog) when a step blocks its process (a duration such as 100s; a plain number is milliseconds)').argParser(durationOption(1)).default(PASS_TIMEOUT_MS, '100s'))
    .action(async (o: { staleAfter: number; passTimeout: number; json?: boolean }) => {
      // A unit or cron line from an older install runs without --json, its output appended to guardian.log: a report
      // written to a file is one line there too (a person at a terminal or a pipe still gets it indented). The
      // timed-out report of the pass's bound too: it was indented under --json.
      const oneLine = o.json === true || stdoutIsFile();
      const watchdog = armPassWatchdog(o.passTimeout, systemClock(), 0, oneLine);
      // Every way the pass ends (its report, an early return) cancels its own bound; process.exit needs no cancel.
      try {
        watchdog.step('rotating its own logs');
        const g = program.opts<{ config?: string; stateDir?: string }>();
        const stateDir = clientStateDir(g);
        // Each pass appends its report to guardian.log (cron, launchd), the daemon its output to daemon.out.log: nothing
        // else rotates these files, so each pass bounds them.
        const ownLogs = await rotateOwnLogs(stateDir);
        watchdog.step('reading the state directory');
        let stoppedOnPurpose: boolean;
        try {
          stoppedOnPurpose = stoppedOnPurposeThisBoot(path.join(stateDir, STOPPED_MARKER));
        } catch (err) {
          if (!(err instanceof GuardianCannotRead)) throw err;
          exitWithError('system', err.message, 1);
        }
        if (stoppedOnPurpose) {
          await recordPass(stateDir, 'stopped');
          const said = 'daemon was stopped on purpose (clawback run exited cleanly); nothing to do';
          // The report as every other outcome's: one rule for its form, whatever the outcome (a script reading it saw text here).
          process.stdout.write(JSON.stringify({ outcome: 'stopped', actions: [said], errors: [] }, null, oneLine ? undefined : 2) + '\n');
          return;
        }
        // With no --config nor $CLAWBACK_CONFIG, the config this state dir's daemon last ran: typed from another directory,
        // the guardian started the embedded demo there (on OpenClaw's port 18789) and left the user's services unsupervised.
        let revive: ReviveConfig;
        try {
          const read = readDaemonInfoSync(stateDir);
          revive = reviveConfig({ flag: g.config, stateDir, info: read.info, unreadable: read.reason === 'corrupt' ? (read.detail ?? 'corrupt') : undefined });
        } catch (err) {
          if (!(err instanceof RecordedConfigGone)) throw err;
          exitWithError('invalid-config', `guardian: ${err.message}`, 2);
        }
        const configPath = revive.configPath;
        const runner = realCommandRunner();
        const manager = installedServiceManager({ platform: platform(), hasSystemd: hasSystemdRuntime(), home: os.homedir() });
        // A service the direct revive leaves down at Level 4 (its start limit hit): told by this pass, not queued only for
        // a daemon that cannot start; queued once it was told, marked so the next daemon does not tell it again.
        let serviceAlerts: ClawbackEvent[] = [];
        watchdog.step('checking and reviving the daemon');
        const report = await guardianOnce({
          stateDir,
          clock: systemClock(),
          staleAfterMs: o.staleAfter,
          // Its checks and waits keep a share of the pass's bound for telling a human; 30 s under the default 100 s.
          timeoutMs: guardianStepsMs(o.passTimeout, systemClock().monotonic()),
          runner,
          serviceManager: manager,
          explicitConfig: Boolean(g.config || process.env.CLAWBACK_CONFIG),
          startDaemon: async () => startDaemonDetached(stateDir, configPath, revive.apiPort, { keepStop: true }),
          // What the daemon would say of its config (exit 78): a unit that exited so is not restarted while this holds.
          configProblem: async () => configProblem(configPath, stateDir),
          // The revived daemon journals and notifies these when it starts (it owns the outbox).
          emit: (event) => appendPendingEvent(stateDir, event),
          probeServices: async (signal) => {
            watchdog.step('starting the services directly');
            const loaded = loadConfig({ ...(configPath ? { file: configPath } : {}), stateDir });
            // Its starts are journaled by the next daemon, as the revival is.
            const events: ClawbackEvent[] = [];
            await reviveServicesDirectly(loaded.config, stateDir, (event) => events.push(event), signal);
            const limits = new Map(loaded.config.services.map((s) => [s.name, `${s.restart.guardianStartLimit.burst} restarts in ${formatDuration(s.restart.guardianStartLimit.interval)}`]));
            serviceAlerts = serviceAlertsOf(events, (name) => limits.get(name));
            // Queued at once (nothing lost should the pass be killed), marked as told: this pass tells (or spools) it.
            for (const event of events) appendPendingEvent(stateDir, isServiceAlert(event) ? { ...event, details: { ...event.details, notifiedBy: 'guardian' } } : event);
          },
        });
        if (revive.said) report.actions.unshift(revive.said);
        // One fault of the state dir's filesystem (read-only, full) refused each of the pass's writes: said once, alerted once.
        Object.assign(report, foldDiskRefusals(report, stateDir));
        // The daemon that delivers alerts is the one that is down: a human hears of it from here.
        const redactor = new Redactor();
        watchdog.step('alerting the notify channels');
        const told = await alertGuardianOutcome(report, { stateDir, configPath, clock: systemClock(), redactor, serviceAlerts, flushMs: alertFlushMs(o.passTimeout, systemClock().monotonic()) }).catch((err: unknown) => ({
          actions: [],
          errors: [`alerting failed: ${(err as Error).message}`],
        }));
        report.actions.push(...told.actions);
        report.errors.push(...told.errors);
        // "Could not revive" / "running again" reach `clawback journal` and the dashboard through the next daemon, which
        // journals them without notifying again (notifiedBy): without it a down spell left no line in the journal.
        const said = 'said' in told ? told.said : undefined;
        watchdog.step('queuing the alert in pending-events.jsonl');
        if (said) {
          const details: Record<string, unknown> = { ...said.details, notifiedBy: 'guardian' };
          if (typeof details.output === 'string') details.output = redactor.redact(details.output);
          if (Array.isArray(details.errors)) details.errors = details.errors.map((e: unknown) => redactor.redact(String(e)));
          try {
            appendPendingEvent(stateDir, { ...said, message: redactor.redact(said.message), details });
          } catch (err) {
            pushError(report, stateDir, err, `pending-events.jsonl could not be written (${diskRefusalText(err, stateDir)}): ${said.type} is not journaled`, { so: `${said.type} not journaled`, file: 'pending-events.jsonl' });
          }
        }
        // The daemon exports when its guardian last ran (clawback_guardian_last_pass_timestamp_seconds): a pass in a
        // state dir no daemon used is nothing to record, nor a pass that found another holding the lock: it did nothing,
        // and `locked` read as a failure in status until the holder wrote its own outcome.
        if (report.outcome !== 'never-ran' && report.outcome !== 'locked') {
          const problem = await recordPass(stateDir, report.outcome);
          if (problem) pushError(report, stateDir, problem.err, problem.line, { so: 'pass not recorded', file: 'guardian-pass.json' });
        }
        if (report.daemonExit?.output) report.daemonExit.output = redactor.redact(report.daemonExit.output);
        report.actions.push(...ownLogs.rotated.map((r) => `rotated ${r}`));
        // A read-only or full state dir refuses these too: folded with the pass's other refusals, not a line per log.
        for (const e of ownLogs.errors) pushError(report, stateDir, e.err, e.line, { so: 'not rotated', file: e.file });
        Object.assign(report, foldDiskRefusals(report, stateDir));
        process.stdout.write(redactor.redact(oneLine ? JSON.stringify(report) : JSON.stringify(report, null, 2)) + '\n');
        process.exitCode = report.outcome === 'daemon-down' ? 1 : 0;
        // A step cut short by its own bound may still hold the event loop (a read that never returns): the watchdog ends it.
        watchdog.step('exiting after its report');
      } finally {
        watchdog.done();
      }
    });
}

/** `--interval`: whole seconds, 10 to 86400 (what the unit writers accept). */
function guardianIntervalOption(v: string): number {
  const ms = parseDuration(v.trim() !== '' && /^\d+$/.test(v.trim()) ? `${v.trim()}s` : v);
  const sec = ms === undefined ? NaN : ms / 1000;
  if (!Number.isInteger(sec) || sec < 10 || sec > 86_400) throw new InvalidArgumentError(`expected whole seconds from 10 to 86400, or a duration such as 2m, got "${v}"`);
  return sec;
}

/** The interval the installed job really runs at: a cron line runs every whole minute (1 to 59), as guardianCronEntry writes it. */
export function installedIntervalSec(manager: ServiceManagerKind, intervalSec: number): number {
  return manager === 'cron' ? Math.min(59, Math.max(1, Math.round(intervalSec / 60))) * 60 : intervalSec;
}

/** Whether stdout is a regular file (cron's `>> guardian.log`, launchd's StandardOutPath), not a terminal or a pipe. */
function stdoutIsFile(): boolean {
  try {
    return fstatSync(1).isFile();
  } catch {
    return false;
  }
}

/** Leaves this pass's time and outcome for the daemon; what went wrong, undefined when it was written. */
async function recordPass(stateDir: string, outcome: string): Promise<{ line: string; err: unknown } | undefined> {
  try {
    await writeGuardianPass(stateDir, { at: Date.now(), outcome });
    return undefined;
  } catch (err) {
    return { line: `guardian-pass.json could not be written (${diskRefusalText(err, stateDir)}): the daemon cannot say this pass ran`, err };
  }
}

/** Bound of a whole guardian pass: under systemd's TimeoutStartSec=120 of its unit, so the pass says why it ended. */
export const PASS_TIMEOUT_MS = 100_000;

/** What the pass's checks and waits (guardianOnce) take at most. */
const GUARDIAN_STEPS_MS = 30_000;

/**
 * How long the pass's checks and waits may take: 60 % of the bound counted from the pass's start (as the bound is), at
 * least 1 s. Counted from their own start, a pass that took 3 s to load left its alert 0.2 s of an 8 s bound: it was
 * ended "timed-out" at "checking and reviving the daemon" and nobody was told the daemon is down.
 */
export function guardianStepsMs(passTimeoutMs: number, elapsedMs: number): number {
  return Math.min(GUARDIAN_STEPS_MS, Math.max(1000, Math.floor(passTimeoutMs * 0.6 - elapsedMs)));
}

/**
 * How long the alert may be delivered (10 s at most): what is left of the bound, less a second for the report, so a
 * channel that never answers leaves the alert spooled for the next pass instead of the pass ended by its bound.
 */
export function alertFlushMs(passTimeoutMs: number, elapsedMs: number): number {
  return Math.max(100, Math.min(10_000, passTimeoutMs - elapsedMs - 1000));
}

/** Install notes naming the variables the config reads from an environment the installed daemon will not have. */
function envNotes(configPath: string, stateDir: string, manager: ServiceManagerKind): string[] {
  const { config } = loadConfig({ file: configPath, stateDir });
  return unitEnvNotes(unitEnvGaps(config, process.env), manager, serviceNames(undefined).systemdService);
}

/** TimeoutStopSec= / ExitTimeOut for this config: its stop waves' graces one after another plus the daemon's shutdown margins. */
function stopTimeoutOf(configPath: string | undefined, stateDir: string): number | undefined {
  try {
    const { config } = loadConfig({ ...(configPath ? { file: configPath } : {}), stateDir });
    return daemonStopTimeoutSec(config.services);
  } catch {
    // A config that does not load is said by the install's own check (configProblem): the unit keeps the default here.
    return undefined;
  }
}

/** Why `clawback run` would refuse this config (its loader's message, naming the field), undefined when it loads. */
export async function configProblem(configPath: string | undefined, stateDir: string): Promise<string | undefined> {
  try {
    loadConfig({ ...(configPath ? { file: configPath } : {}), stateDir });
    return undefined;
  } catch (err) {
    return err instanceof ConfigError ? err.message : undefined;
  }
}

/** The guardian may not read the state dir it watches (another user's). */
class GuardianCannotRead extends Error {}

function ownerOf(dir: string): number | undefined {
  try {
    return statSync(dir).uid;
  } catch {
    return undefined;
  }
}

/** daemon.stopped is there and was written in this boot (a marker from an earlier boot is the shutdown's). */
function stoppedOnPurposeThisBoot(file: string): boolean {
  let text: string;
  try {
    text = readRegularFileSync(file).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A guardian run as another user than the daemon (root's crontab, another account's timer) cannot even look: it
    // said "stopped on purpose; nothing to do" (exit 0) on every pass, a live or dead daemon alike.
    if (code === 'EACCES' || code === 'EPERM') {
      const owner = ownerOf(path.dirname(file));
      throw new GuardianCannotRead(
        `guardian: cannot read the state directory ${path.dirname(file)} (${code}${owner !== undefined ? `: it belongs to uid ${owner}, this guardian runs as uid ${process.getuid?.()}` : ''}): nothing checked, nothing started; run the guardian as the daemon's user`,
      );
    }
    return code !== 'ENOENT';
  }
  // A daemon that took its lock since (a person's start, its marker not removed yet) ended the stop.
  return stoppedThisBoot(text, currentBootId()) && startedSinceStop(path.join(path.dirname(file), DAEMON_LOCK_FILE), text) === undefined;
}

/** The last lines (at most 20, 4 KiB) a file got past offset `from`. */
async function tailSince(file: string, from: number): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(from, size - 4096);
    const buf = Buffer.alloc(Math.max(0, size - start));
    await fh.read(buf, 0, buf.length, start);
    return buf.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-20).join('\n');
  } finally {
    await fh.close();
  }
}

/**
 * Starts `clawback run` in its own session, output to <stateDir>/logs/daemon.out.log. The child is not waited for
 * (unref); the returned watch says when it exits and what it wrote, for a guardian pass still running then.
 * keepStop (the guardian's start): daemon.stopped is left for the daemon to honour under its lock (a person's stop after
 * the guardian looked); a person's own start (a drill) ends the stop at once.
 */
export function startDaemonDetached(stateDir: string, configPath: string | undefined, apiPort?: number, opts: { keepStop?: boolean } = {}): StartedDaemon {
  mkdirRecursiveSync(path.join(stateDir, 'logs'), 0o700);
  // Before the spawn: the daemon reads the marker under its lock (a drill's start found it still there, exit 0).
  if (!opts.keepStop) rmSync(path.join(stateDir, STOPPED_MARKER), { force: true });
  const logFile = path.join(stateDir, 'logs', 'daemon.out.log');
  clearStartFailure(stateDir);
  const fd = openSync(logFile, 'a', 0o600);
  let exited: Promise<DaemonExit>;
  let pid: number | undefined;
  let from = 0;
  try {
    from = fstatSync(fd).size;
    const args = [...DAEMON_NODE_FLAGS, ENTRY, 'run', '--started-by-guardian', '--state-dir', stateDir, ...(configPath ? ['--config', configPath] : []), ...(apiPort !== undefined ? ['--api-port', String(apiPort)] : [])];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
    exited = new Promise<DaemonExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err) => resolve({ code: null, signal: null, error: err.message }));
    });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  // On a full disk daemon.out.log took none of its words: what it left outside the state dir says them (start-failure.ts).
  return {
    exited,
    ...(pid !== undefined ? { pid } : {}),
    output: async () => {
      const kept = takeStartFailure(stateDir);
      const tail = await tailSince(logFile, from).catch((err: unknown) => (kept ? '' : Promise.reject(err)));
      return tail.includes(kept) ? tail : [tail, kept].filter((t) => t !== '').join('\n');
    },
  };
}
