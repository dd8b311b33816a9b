// `clawback run`: the daemon in the foreground, with signals wired to a clean shutdown.
import { Option, type Command } from 'commander';
import type { Daemon } from '../daemon/daemon.js';
import { ConfigError } from '../config/errors.js';
import { loadConfigIsolated } from '../config/load-isolated.js';
import { installFatalHandlers } from '../daemon/fatal-exit.js';
import { guardStdStreams } from '../daemon/std-streams.js';
import { faultLog } from '../daemon/fault-log.js';
import { cliHint } from './cli-command.js';
import { reloadConfig } from '../instances/config-reload.js';
import { tokenPath } from '../server/token.js';
import { isLoopbackHost } from '../server/auth.js';
import { numberOption, portOption } from './number-option.js';
import { SYSEXITS } from './fail.js';
import { clientStateDir } from './client.js';
import { keepStartFailure, startFailureText } from '../daemon/start-failure.js';
import { takeEarlyDaemonLock, type EarlyDaemonLock } from '../daemon/daemon-lock.js';
import { systemClock } from '../platform/clock.js';
import { STOPPED_MARKER, writeStoppedMarker } from '../daemon/stopped-marker.js';
import { urlHost } from '../platform/url-host.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the supervisor daemon in the foreground (the embedded demo gateway when no config file is found)')
    .option('--api-port <port>', 'override the API/dashboard port (0 = any free port)', portOption)
    .option('--keep-services-on-sigterm', 'SIGTERM exits as SIGUSR2 does, leaving the services running (the installed service units use it)')
    .option(
      '--refusal-exit-code <code>',
      'exit code when the daemon refuses to start: a config it cannot load (otherwise 78) or another daemon running (otherwise 2); the launchd job uses 0',
      numberOption('exit code', 0),
    )
    // Set by the guardian's direct start: a start that fails is told by that guardian (once an hour, with this output).
    .addOption(new Option('--started-by-guardian', 'the guardian started this daemon and tells its failure to start').hideHelp())
    .action(async (cmdOpts: { apiPort?: number; keepServicesOnSigterm?: boolean; refusalExitCode?: number; startedByGuardian?: boolean }) => {
      const g = program.opts<{ config?: string; stateDir?: string }>();
      const say = (line: string): void => {
        process.stdout.write(line + '\n');
      };
      let daemon: Daemon | undefined;
      let running: Daemon | undefined;
      let exiting = false;
      const clock = systemClock();
      const startedAt = clock.now();
      /** daemon.lock taken before the config loads; the loader's cancel path (a second signal while it runs). */
      let earlyLock: EarlyDaemonLock | undefined;
      const abandonLoad = new AbortController();
      /** A signal that arrived while the daemon was starting: acted on as soon as start() returns. */
      let deferred: { stopServices: boolean; code: number; stoppedOnPurpose: boolean } | undefined;
      // A bug anywhere in the daemon: log, journal, exit 70 with the services left running (the next daemon adopts them).
      installFatalHandlers(process, { daemon: () => daemon, shuttingDown: () => exiting });
      // A refused write to stdout/stderr (a file on a full disk) costs that output, never the daemon.
      guardStdStreams(
        [
          { name: 'stdout', stream: process.stdout },
          { name: 'stderr', stream: process.stderr },
        ],
        (name, err) => {
          const d = daemon;
          if (!d) return;
          faultLog({ stateDir: d.ctx.stateDir, redactor: d.ctx.redactor, clock: d.ctx.clock, stderr: name === 'stdout' ? process.stderr : { write: () => true } })(
            'warn',
            { stream: name, err },
            `${name} refused a write (${(err as NodeJS.ErrnoException).code ?? err.message}): its further output is dropped; supervision continues`,
          );
        },
      );
      const shutdown = (stopServices: boolean, code: number, stoppedOnPurpose = stopServices, yielded = false): void => {
        if (exiting) return stopNow();
        const target = running ?? daemon;
        if (!target) {
          // A second signal while the config loads (up to its 60 s bound) exits now, as PM2 and systemd do: nothing started.
          if (deferred) return void exitDuringLoad();
          // Signals are wired before start-up: the default action would kill us with services just started or adopted.
          say(`stopping: the start was still in progress (loading the config); ${stopServices ? 'stopping services' : 'leaving the services running'} once it is read (Ctrl-C again to exit now)...`);
          deferred = { stopServices, code, stoppedOnPurpose };
          return;
        }
        exiting = true;
        // A stop during the start does not wait for it (a preflight's validator of up to a minute): the start is cut short.
        if (!running) say(`stopping: the start was still in progress; ${stopServices ? 'stopping services and exiting' : 'exiting, services keep running'}...`);
        else say(stopServices ? 'stopping services and exiting...' : 'exiting, services keep running...');
        // stop() never rejects: every step is guarded, so the services are stopped even on a full disk.
        target
          .stop({ stopServices, stoppedOnPurpose, ...(yielded ? { yielded } : {}) })
          .catch((err: unknown) => process.stderr.write(`clawback: shutdown error: ${(err as Error).message}\n`))
          .finally(() => process.exit(code));
      };
      // A second signal while the shutdown runs (systemd's and docker's habit): said, and the stop graces cut short by
      // each service's reducer (SIGKILL of its process group); the shutdown under way then exits.
      const stopNow = (): void => {
        const cut = (running ?? daemon)?.stopNow() ?? [];
        if (cut.length === 0) return say('stopping: no service is waiting out a stop grace; exiting once the shutdown finishes');
        const list = cut.map((c) => `${c.name} (pid ${c.pid}, stop grace ${Math.round(c.graceMs / 1000)} s)`).join(', ');
        say(`stopping now: ${list} still stopping: killing (SIGKILL of the process group), then exiting...`);
      };
      // Exit without the daemon: the load is abandoned (its process killed), the stop kept for the guardian, the lock let go.
      const exitDuringLoad = async (): Promise<void> => {
        if (exiting || !deferred) return;
        exiting = true;
        const { code, stoppedOnPurpose } = deferred;
        const held = earlyLock?.lock.kind === 'held' ? earlyLock : undefined;
        say(
          `stopping now: the config was still loading (${Math.round((clock.now() - startedAt) / 1000)} s); not waiting for it: no service was started or stopped ` +
            '(services an earlier daemon left running keep running; the next daemon adopts them), exiting',
        );
        abandonLoad.abort();
        if (held && stoppedOnPurpose) {
          try {
            writeStoppedMarker(held.stateDir, clock.now());
          } catch (err) {
            process.stderr.write(`clawback: could not write ${STOPPED_MARKER}: ${(err as Error).message}\n`);
          }
        }
        if (held?.lock.kind === 'held') await held.lock.release().catch(() => undefined);
        process.exit(code);
      };
      // A service manager stops or restarts its daemon with SIGTERM (systemctl restart, launchctl kickstart -k, bootout):
      // under one, that restart must not take every service down with it. A stop all the same: the guardian leaves it be.
      process.on('SIGTERM', () => shutdown(cmdOpts.keepServicesOnSigterm !== true, 0, true));
      process.on('SIGINT', () => shutdown(true, 0));
      // SIGHUP re-reads the config file (as `clawback reload`): an invalid file changes nothing and says why.
      process.on('SIGHUP', () => {
        if (!running || exiting) return say('SIGHUP: not reloading while the daemon starts or stops');
        void reloadConfig(running, 'SIGHUP').then((r) => say(`SIGHUP: ${r.body.message}`), (err: unknown) => say(`SIGHUP: reload failed: ${(err as Error).message}`));
      });
      process.on('SIGUSR2', () => shutdown(false, 0));
      // Node opens its inspector on 127.0.0.1:9229 at SIGUSR1 when no listener is set: any local user could then run code
      // as the daemon (read the token, kill services). A listener keeps it shut; an inspector asked for (--inspect) is kept.
      process.on('SIGUSR1', () => say('SIGUSR1 ignored: no debugger is opened on a signal (SIGHUP reloads the config, SIGUSR2 exits and leaves the services running)'));
      // daemon.lock before anything slow: a guardian pass sees a daemon starting, not one stopped or dead.
      earlyLock = await takeEarlyDaemonLock(earlyStateDir(g), clock);
      // The config loader process starts first and runs while the daemon's own modules load.
      const location = { ...(g.config ? { file: g.config } : {}), ...(g.stateDir ? { stateDir: g.stateDir } : {}) };
      const loaded = loadConfigIsolated(location, { warn: (m) => say(`warning: ${m}`), signal: abandonLoad.signal });
      loaded.then((l) => l.warnings.forEach((w) => say(`warning: ${w}`)), () => undefined); // awaited by createDaemon; not an unhandled rejection while the modules load
      const [{ createDaemon, DaemonAlreadyRunning, ApiPortUnavailable, StoppedMeanwhile }, { defaultDaemonOptions }] = await Promise.all([import('../daemon/daemon.js'), import('../daemon/wiring.js')]);
      try {
        daemon = await createDaemon({
          ...defaultDaemonOptions(),
          ...location,
          loaded,
          ...(cmdOpts.apiPort !== undefined ? { apiPort: cmdOpts.apiPort } : {}),
          ...(cmdOpts.startedByGuardian ? { startedByGuardian: true } : {}),
          ...(earlyLock ? { earlyLock } : {}),
          // Another daemon got daemon.lock while it was gone: this one exits 2 (as a refused second daemon does), services left running.
          onLockLost: () => shutdown(false, 2, false, true),
          say,
        });
        // A signal while the config loaded: the start begins (it adopts or starts the services) and is stopped at once.
        const started = daemon.start();
        if (deferred) shutdown(deferred.stopServices, deferred.code, deferred.stoppedOnPurpose);
        await started;
      } catch (err) {
        // Stopped while starting: the stop under way ends the process (its exit code, its services stopped or left).
        if (exiting) return;
        // Not started: a lock taken before the config loaded goes (idempotent where createDaemon let it go already).
        if (!daemon && earlyLock?.lock.kind === 'held') await earlyLock.lock.release().catch(() => undefined);
        // A config it cannot load exits 78 (EX_CONFIG): the unit's RestartPreventExitStatus=78 and the guardian leave it
        // down until the file is fixed, where exit 2 was restarted every 2 s (and after each start-limit reset) forever.
        // launchd cannot exclude an exit code from KeepAlive: its job restarts only an unsuccessful exit and runs with
        // --refusal-exit-code 0, so a refusal a restart cannot fix is not repeated every ThrottleInterval (10 s).
        if (err instanceof ConfigError) {
          process.stderr.write(`clawback: ${err.message}\n`);
          process.exit(cmdOpts.refusalExitCode ?? SYSEXITS.CONFIG);
        }
        if (err instanceof StoppedMeanwhile) {
          process.stderr.write(`clawback: ${err.message}\n`);
          process.exit(0);
        }
        if (err instanceof DaemonAlreadyRunning) {
          process.stderr.write(`clawback: ${err.message}\n`);
          process.exit(cmdOpts.refusalExitCode ?? 2);
        }
        if (err instanceof ApiPortUnavailable) {
          process.stderr.write(`clawback: ${err.message}\n`);
          process.exit(1);
        }
        // A refusal of the system (a full or read-only state dir): the file, the disk's room and what to do, also left
        // outside the state dir for the guardian that started it (its daemon.out.log may be on that very disk).
        const failure = startFailureText(err, daemon?.ctx.stateDir ?? stateDirOf(g));
        if (failure !== undefined) {
          process.stderr.write(`clawback: ${failure}\n`);
          if (cmdOpts.startedByGuardian) keepStartFailure(daemon?.ctx.stateDir ?? stateDirOf(g), failure);
          process.exit(1);
        }
        throw err;
      }
      // Stopped while starting: no banner of a daemon that is going away; the stop under way exits.
      if (exiting) return;
      running = daemon;
      const api = running.api!;
      const base = `http://${browsableHost(api.host)}:${api.port}`;
      say(`clawback running (pid ${process.pid})`);
      say(`  config:    ${running.ctx.configFile ?? '(embedded demo: the bundled demo gateway)'}`);
      say(`  state dir: ${running.ctx.stateDir}`);
      say(`  services:  ${[...running.runtimes.keys()].join(', ')}`);
      // The token opens control of every service: printed only to a person at a terminal, never into a log (a service
      // manager's journal, daemon.out.log), which is kept, shipped and read by others; there the file is named instead.
      say(`  dashboard: ${process.stdout.isTTY === true ? `${base}/#token=${encodeURIComponent(running.token)}` : `${base}/   (to control services from it, paste the token in ${tokenPath(running.ctx.stateDir)})`}`);
      say(`  API:       ${base}/api/status   metrics: ${base}/metrics`);
      const exposed = exposedApiWarning(api.host, api.port);
      if (exposed) say(exposed);
      const unitWarning = olderUnitWarning(process.env, cmdOpts.keepServicesOnSigterm === true);
      if (unitWarning) say(unitWarning);
      // A command that works as printed: `clawback` when PATH finds this install, else node + the absolute CLI path.
      say(`  status:    ${cliHint(['status'], { stateDir: running.ctx.stateDir, ...(g.config ? { config: g.config } : {}) })}`);
      say('  stop:      Ctrl-C (stops the services too); SIGUSR2 exits and leaves them running for the next daemon; SIGHUP reloads the config');
    });
}

/**
 * The host a person can open: a wildcard bind (0.0.0.0, ::) is reached on loopback (a browser at http://0.0.0.0 sends
 * an Origin the API refuses, so every button failed), and an IPv6 literal needs its brackets in a URL.
 */
export function browsableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return urlHost(host);
}

/**
 * An API bound off loopback (api.host 0.0.0.0, ::, a LAN address) is open to other machines over plain HTTP, where the
 * token travels in clear: the daemon started on it without a word, and its banner even showed a 127.0.0.1 link.
 */
export function exposedApiWarning(host: string, port: number): string | undefined {
  if (isLoopbackHost(host.replace(/^\[|\]$/g, ''))) return undefined;
  const where = host === '0.0.0.0' || host === '::' || host === '[::]' ? 'every network interface' : host;
  return (
    `  WARNING:   the API and the dashboard listen on ${where} (api.host ${host}, port ${port}), not on loopback only: other machines can reach them. ` +
    'Every request there needs the API token (reads too), and plain HTTP carries it unencrypted; set api.host to 127.0.0.1 and reach it through an SSH tunnel or a TLS reverse proxy'
  );
}

/**
 * A unit or job installed by a Clawback before --keep-services-on-sigterm runs the daemon without it: the service
 * manager's restart (SIGTERM) then stops every service. Said at start so the person reinstalls before that happens.
 */
export function olderUnitWarning(env: NodeJS.ProcessEnv, keepServicesOnSigterm: boolean): string | undefined {
  if (keepServicesOnSigterm) return undefined;
  const manager = env.INVOCATION_ID ? 'systemd' : /^ai\.[a-z0-9-]+\.daemon$/.test(env.XPC_SERVICE_NAME ?? '') ? 'launchd' : undefined;
  if (!manager) return undefined;
  return `  warning:   run by ${manager} without --keep-services-on-sigterm (a unit from an older \`clawback install\`, or written by hand): its restart will stop every service; run \`clawback install\` again to update it`;
}

/** The state dir the CLI resolves before the config loads, undefined when it cannot (the daemon's load then says why). */
function earlyStateDir(g: { config?: string; stateDir?: string }): string | undefined {
  try {
    return clientStateDir(g);
  } catch {
    return undefined;
  }
}

/** The state dir this run uses, as the CLI resolves it (its message when it cannot be resolved). */
function stateDirOf(g: { config?: string; stateDir?: string }): string {
  try {
    return clientStateDir(g);
  } catch (err) {
    return `(unresolved: ${(err as Error).message})`;
  }
}
