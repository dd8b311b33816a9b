// The OpenClaw gateway preset: a clawback service entry whose numbers come from measuring openclaw 2026.9.6.
import path from 'node:path';
import { OPENCLAW_HUMAN_ONLY_PATTERN, OPENCLAW_PROTECTED_SETTINGS, OPENCLAW_RETRY_PATTERN, OPENCLAW_SELF_RESTART_PATTERN, OPENCLAW_STATE_IN_USE_PATTERN } from '../openclaw/preset-defaults.js';
import { openclawLockGlobs, openclawUpdateSettings, openclawVersionedArgv } from '../update/openclaw-update.js';

export const OPENCLAW_DEFAULT_PORT = 18789;
export const OPENCLAW_SERVICE_NAME = 'openclaw-gateway';

/**
 * Variables that make the gateway believe a native service manager (systemd, launchd, Task
 * Scheduler) respawns it. When Clawback itself runs under systemd/launchd (`clawback install`) they
 * leak from Clawback's own unit and name the wrong unit: the gateway would then ask that manager to
 * restart "its" unit, or refuse `openclaw gateway stop` with advice about a unit that is Clawback's.
 */
export const OPENCLAW_SUPERVISOR_MARKERS = [
  'INVOCATION_ID',
  'JOURNAL_STREAM',
  'SYSTEMD_EXEC_PID',
  'OPENCLAW_SYSTEMD_UNIT',
  'OPENCLAW_LAUNCHD_LABEL',
  'LAUNCH_JOB_LABEL',
  'LAUNCH_JOB_NAME',
  'XPC_SERVICE_NAME',
  'OPENCLAW_WINDOWS_TASK_NAME',
  'OPENCLAW_SERVICE_MARKER',
  'OPENCLAW_SERVICE_KIND',
] as const;

/**
 * What the gateway is told about who restarts it.
 * - "external" (default): OPENCLAW_SUPERVISOR_MODE=external. A restart the gateway wants (config
 *   change, SIGUSR2, `openclaw gateway restart`, update) becomes "exit 0 and let the supervisor start
 *   a fresh process": Clawback sees it, starts it again through preflight, and the pid it tracks is
 *   always the real one. Without it the gateway restarts in place (same pid, ~5 s with nothing
 *   listening, and "stays alive with nothing listening" when the config is broken at that moment),
 *   and an update restart spawns a detached replacement outside Clawback's process group that then
 *   fights the restarted child for the port. External mode also makes `openclaw gateway stop` and
 *   `openclaw doctor` refuse to install/stop a native service that would compete with Clawback, and
 *   turns off self-update while supervised. The cost: such a planned restart shows up as an exit.
 * - "unmanaged": the variable is removed; the gateway restarts itself in place.
 */
export type OpenclawSupervisorMode = 'external' | 'unmanaged';

export interface OpenclawPresetOptions {
  /** argv that runs the openclaw CLI, e.g. ["openclaw"] or ["/opt/node24/bin/node", ".../openclaw.mjs"]. */
  openclaw?: string[];
  port?: number;
  /** --bind value; "loopback" by default (a container refuses to start without it). */
  bind?: string;
  /**
   * gateway.tls.enabled in its config: the listener answers HTTPS only, so the probes use https:// and accept its
   * certificate (by default one it generates, self-signed; the probes stay on 127.0.0.1 and send no credential).
   */
  tls?: boolean;
  /** The gateway's JSON5 config; default ~/.openclaw/openclaw.json of `home`. */
  configPath?: string;
  /** OPENCLAW_STATE_DIR, when not the default ~/.openclaw. */
  stateDir?: string;
  /** Used to expand the default config path; default $HOME. */
  home?: string;
  name?: string;
  supervisorMode?: OpenclawSupervisorMode;
  /** Pass --allow-unconfigured (start without gateway.mode). Off: a config without gateway.mode is a clobbered one. */
  allowUnconfigured?: boolean;
  /** Extra env for the gateway and its doctor/validator (HOME, API keys by reference, ...). */
  env?: Record<string, string>;
  /** Override the start-up grace (default 120 s: 11-25 s warm, 62-82 s cold on a loaded 2-core box). */
  startupGrace?: string;
  /** Override the start-up window (default 300 s): the first healthy check must come within it. */
  startupTimeout?: string;
  /** A named OpenClaw profile (`--profile NAME`): OPENCLAW_PROFILE is set and the service is named after it. */
  profile?: string;
  /**
   * Mode (b): OpenClaw's own service manager runs the gateway and Clawback restarts it through these
   * commands. Only what applies is written: no command line, no spawn environment for the gateway
   * (its unit has its own), no probes of output Clawback does not capture.
   */
  external?: { pidCommand: string[]; restartCommand: string[]; startCommand: string[]; stopCommand: string[] };
  /** `clawback update`: versions live in <versionsDir>/<v>, the gateway runs <versionsDir>/current with this Node 24 binary. */
  versions?: { dir: string; node: string };
}

const DEFAULT_BACKUP_GLOBS = ['openclaw.json.last-good', 'openclaw.json.bak', 'openclaw.json.bak.*'];

/** Re-exported: the list lives with the other preset defaults filled in at load (openclaw/preset-defaults.ts). */
export { OPENCLAW_PROTECTED_SETTINGS };

/** Where the gateway keeps its config when nothing overrides it. */
export function defaultOpenclawConfigPath(home: string, stateDir?: string): string {
  return path.join(stateDir ?? path.join(home, '.openclaw'), 'openclaw.json');
}

/** Backup globs relative to the config's folder, named after the config file. */
export function openclawBackupGlobs(configPath: string): string[] {
  const base = path.basename(configPath);
  if (base === 'openclaw.json') return [...DEFAULT_BACKUP_GLOBS];
  return [`${base}.last-good`, `${base}.bak`, `${base}.bak.*`];
}

/**
 * The raw (unvalidated) service entry; it goes through clawback's schema like any user file.
 * Numbers, and why:
 * - start-up: 11-25 s to /healthz 200 warm, 62-82 s cold or loaded -> grace 120 s (grace ends at the
 *   first pass, so a generous value delays nothing once the gateway is up);
 * - /readyz (deep readiness, `failing` lists channels, agent databases, plugin reload): a verdict per failing
 *   part; a channel gets 10 min of the gateway's own recovery (10 auto-restarts, backoff 5 s to 5 min, its
 *   health monitor), then that channel alone is restarted (`gateway call channels.stop/start`), then the
 *   gateway (drained), then the ladder;
 * - a planned restart drains like the gateway's own safe restart: SIGTERM, drain 315 s + 10 s close + 5 s;
 * - memory: ~1 GB for the tree (main 600-850 MB + two workers) -> warn 1.5 GB, restart above 2 GB;
 * - SIGTERM exits in 1-5 s (it may drain active work for minutes) -> 15 s grace, then SIGKILL;
 * - exit 78 = config/lock/schema problem -> no blind restart, straight to the doctor;
 * - `openclaw config validate` takes 4-25 s, `openclaw doctor --fix` 9-18 s (x2 under load).
 */
export function openclawService(opts: OpenclawPresetOptions = {}): Record<string, unknown> {
  const oc = opts.openclaw ?? (opts.versions ? openclawVersionedArgv(opts.versions.node, opts.versions.dir) : ['openclaw']);
  const port = opts.port ?? OPENCLAW_DEFAULT_PORT;
  const home = opts.home ?? process.env.HOME ?? '~';
  const ocStateDir = opts.stateDir ?? path.join(home, '.openclaw');
  const configPath = opts.configPath ?? defaultOpenclawConfigPath(home, opts.stateDir);
  const mode = opts.supervisorMode ?? 'external';
  const base = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const tlsProbe = opts.tls ? { insecure: true } : {};

  const env: Record<string, string> = {
    // Explicit, so the gateway, its doctor and its validator all read the same file.
    OPENCLAW_CONFIG_PATH: configPath,
    ...(opts.stateDir ? { OPENCLAW_STATE_DIR: opts.stateDir } : {}),
    ...(opts.profile ? { OPENCLAW_PROFILE: opts.profile } : {}),
    ...(mode === 'external' && !opts.external ? { OPENCLAW_SUPERVISOR_MODE: 'external' } : {}),
    ...opts.env,
  };
  const unsetEnv: string[] = [...OPENCLAW_SUPERVISOR_MARKERS, ...(mode === 'unmanaged' ? ['OPENCLAW_SUPERVISOR_MODE'] : [])];

  const command = [...oc, 'gateway', 'run', '--bind', opts.bind ?? 'loopback', '--port', String(port)];
  if (opts.allowUnconfigured) command.push('--allow-unconfigured');

  const svc: Record<string, unknown> = {
    name: opts.name ?? (opts.profile ? `${OPENCLAW_SERVICE_NAME}-${opts.profile}` : OPENCLAW_SERVICE_NAME),
    command,
    env,
    unsetEnv,
    port,
    configFile: {
      path: configPath,
      format: 'json5',
      // `openclaw config validate` takes no path argument; it reads OPENCLAW_CONFIG_PATH. Through env
      // the doctor can check a candidate (a snapshot written to a temp file) and not only the live file.
      validateCommand: ['/usr/bin/env', 'OPENCLAW_CONFIG_PATH={file}', ...oc, 'config', 'validate', '--json'],
      validateTimeout: '60s',
      // The gateway's own copies. Ranked with Clawback's snapshots by trust, then age: .last-good is a
      // trusted copy like a snapshot seen healthy; .bak* are only "the file before the last write".
      backupGlobs: openclawBackupGlobs(configPath),
      protect: [...OPENCLAW_PROTECTED_SETTINGS],
      // The gateway reads its port from here; the command line pins `port` (below), so a change here is reported.
      portPath: 'gateway.port',
      // The gateway hot-reloads an edited config (gateway.reload): an edit counts as seen healthy once a probe passes after it.
      reload: 'live',
    },
    restart: {
      backoff: { initial: '1s', max: '60s' },
      // A start takes 20-80 s, so "stable" means minutes, and a loop is a few failed starts in 10 min.
      stableAfter: '2m',
      intensity: { maxRestarts: 5, window: '10m' },
      preventExitCodes: [78],
      // Under OPENCLAW_SUPERVISOR_MODE=external a restart it wants (SIGUSR2, a config change, an update) is "exit 0 and
      // let the supervisor start me": its last line says so (openclaw 2026.9.6, gateway run). Not a crash.
      selfRestartPattern: OPENCLAW_SELF_RESTART_PATTERN,
      // Exit 78 for a missing credential the person must choose (openclaw 2026.9.6, gateway run): its doctor cannot set one.
      // Filled in at load too (src/openclaw/preset-defaults.ts), for files written before it was named here.
      humanOnlyPattern: OPENCLAW_HUMAN_ONLY_PATTERN,
      // Exit 78 after its config was edited while it started ("Restart OpenClaw so state migrations run"): a new start
      // cures it, so it is restarted like a crash instead of held for the doctor. Filled in at load too.
      retryPattern: OPENCLAW_RETRY_PATTERN,
    },
    stop: { signal: 'SIGTERM', grace: '15s', hangGrace: '1s', drainGrace: '330s' },
    // A cold start took 64-91 s at load 14-16 and longer on a Mac mini after an update: liveness is not judged until the
    // first healthy check or 5 minutes (ends at the first pass, so a generous window delays nothing once it is up).
    startup: { timeout: opts.startupTimeout ?? '300s' },
    // What Clawback knows about the gateway: its CLI (channel restarts, stability bundle, diagnostics export).
    openclaw: { cli: [...oc] },
    doctor: {
      command: [...oc, 'doctor', '--fix', '--non-interactive'],
      timeout: '90s',
      attempts: 2,
    },
    probes: [
      {
        kind: 'http',
        name: 'liveness',
        url: `${base}/healthz`,
        expectStatus: [200],
        interval: '10s',
        timeout: '5s',
        failureThreshold: 3,
        startupGrace: opts.startupGrace ?? '120s',
        action: 'restart',
        ...tlsProbe,
      },
      {
        kind: 'openclaw-readiness',
        name: 'readiness',
        url: `${base}/readyz`,
        interval: '15s',
        timeout: '5s',
        failureThreshold: 2,
        startupGrace: '180s',
        channelBound: '10m',
        action: 'restart',
        ...tlsProbe,
      },
      // SIGSTOP / a tracer: seen from /proc at once, long before the HTTP probe's timeouts add up.
      { kind: 'hang', name: 'stopped', interval: '5s', failureThreshold: 2, action: 'restart' },
      { kind: 'memory', name: 'memory', warn: '1.5GB', limit: '2GB', interval: '2s', failureThreshold: 3, action: 'restart' },
      // The validator is a full openclaw CLI start (4-25 s of CPU): every 5 minutes is plenty.
      { kind: 'config', name: 'config', format: 'json5', interval: '5m', timeout: '60s', failureThreshold: 1, action: 'notify' },
      // Over the gateway's own output (captured by clawback), which carries the same lines as its JSON log.
      // Both cases: "Port N is already in use." (PortInUseError) and "Gateway failed: port N is already in use." (src/infra/ports.ts).
      { kind: 'log', name: 'port-in-use', pattern: 'EADDRINUSE|Port \\d+ is already in use', flags: 'i', finding: 'port-in-use', action: 'notify' },
      // Another OpenClaw process (a gateway started by hand or by its own unit, on any port, or an `openclaw doctor`) owns
      // this state dir: the gateway exits 78 at once, "Doctor could not enter maintenance. ... another OpenClaw process owns
      // gateway-lifecycle ... | gateway.maintenance_required" (openclaw 2026.9.6, measured), and its doctor exits 1 the same
      // way. Named, so the alert says why; the lock's owner is never stopped by Clawback for it.
      {
        kind: 'log',
        name: 'state-in-use',
        pattern: OPENCLAW_STATE_IN_USE_PATTERN,
        finding: 'state-in-use',
        action: 'notify',
      },
      {
        kind: 'log',
        name: 'config-invalid',
        // Also what blocks a start without being a schema error (openclaw 2026.9.6 src/config): a `${VAR}` the daemon's
        // environment lacks (MissingEnvVarError; the user's shell had it), a `${pass:...}` secret, an unreadable file,
        // a broken `$include`; "Config invalid: <path or issues>" is the wording of the plugin-registry refresh and status lines.
        // "config reload failed: <why>": a live edit it refused (it runs on with the old config), so the edit is not
        // last-known-good though the probes pass.
        pattern:
          'config is invalid|Invalid config|Config invalid|config reload failed|Gateway start blocked|JSON5 parse failed|Unrecognized key|' +
          'config could not be read|Missing env var "|Missing secret "|Invalid secret reference|include file:|Include path|Circular include|Maximum include depth',
        flags: 'i',
        finding: 'config-invalid',
        action: 'notify',
      },
    ],
  };
  // The gateway's lock files: the doctor removes one only when its owner is provably gone.
  svc.lockFiles = openclawLockGlobs(ocStateDir);
  if (opts.versions && !opts.external) svc.update = openclawUpdateSettings({ versionsDir: opts.versions.dir, stateDir: ocStateDir, node: opts.versions.node });
  if (opts.external) {
    // Mode (b): nothing is spawned, so nothing of the spawn applies; the doctor and validator still use env.
    delete svc.command;
    delete svc.unsetEnv;
    svc.external = opts.external;
    svc.probes = (svc.probes as Array<Record<string, unknown>>).filter((p) => p.kind !== 'log');
    // Clawback does not reap the process, so it never learns an exit code: preventExitCodes could never match.
    delete (svc.restart as Record<string, unknown>).preventExitCodes;
    delete (svc.restart as Record<string, unknown>).selfRestartPattern;
    delete (svc.restart as Record<string, unknown>).humanOnlyPattern;
    delete (svc.restart as Record<string, unknown>).retryPattern;
  }
  return svc;
}

/** A whole clawback config (raw) with the one OpenClaw service. */
export function openclawPresetConfig(opts: OpenclawPresetOptions & { clawbackStateDir?: string; apiPort?: number } = {}): Record<string, unknown> {
  return {
    ...(opts.clawbackStateDir ? { stateDir: opts.clawbackStateDir } : {}),
    ...(opts.apiPort !== undefined ? { api: { host: '127.0.0.1', port: opts.apiPort } } : {}),
    services: [openclawService(opts)],
  };
}
