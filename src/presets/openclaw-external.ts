// Mode (b): the gateway runs under OpenClaw's own systemd/launchd service; Clawback watches it and restarts it through that manager.
import path from 'node:path';

export const OPENCLAW_SYSTEMD_UNIT = 'openclaw-gateway.service';
export const OPENCLAW_LAUNCHD_LABEL = 'ai.openclaw.gateway';

export type ServiceManagerKind = 'systemd' | 'launchd';

/** The unit `openclaw gateway install` writes for a named profile (`--profile NAME`): openclaw-gateway-NAME.service. */
export function openclawSystemdUnit(profile?: string): string {
  return profile ? `openclaw-gateway-${profile}.service` : OPENCLAW_SYSTEMD_UNIT;
}

/** The launchd label for a named profile: ai.openclaw.NAME. */
export function openclawLaunchdLabel(profile?: string): string {
  return profile ? `ai.openclaw.${profile}` : OPENCLAW_LAUNCHD_LABEL;
}

/** Where `openclaw gateway install` puts its service file (for the default install, or a named profile). */
export function openclawServiceFile(kind: ServiceManagerKind, home: string, profile?: string): string {
  return kind === 'systemd'
    ? path.join(home, '.config', 'systemd', 'user', openclawSystemdUnit(profile))
    : path.join(home, 'Library', 'LaunchAgents', `${openclawLaunchdLabel(profile)}.plist`);
}

/**
 * The commands Clawback needs to supervise a gateway it did not spawn. Every one is an argv (no
 * shell); `pid` prints something parsePid() understands; 0/absent = not running.
 */
export interface ExternalServiceCommands {
  kind: ServiceManagerKind;
  /** Human name of the unit/job, for messages. */
  unit: string;
  pid: string[];
  restart: string[];
  start: string[];
  stop: string[];
  /** Where the manager sends the gateway's output (for the log probe and the AI prompt). */
  logHint: string;
}

export interface ExternalCommandOptions {
  /** launchd domain target needs the numeric uid (gui/<uid>/label). */
  uid?: number;
  home?: string;
  unit?: string;
  label?: string;
}

export function externalServiceCommands(kind: ServiceManagerKind, opts: ExternalCommandOptions = {}): ExternalServiceCommands {
  if (kind === 'systemd') {
    const unit = opts.unit ?? OPENCLAW_SYSTEMD_UNIT;
    return {
      kind,
      unit,
      pid: ['systemctl', '--user', 'show', '--property=MainPID', unit],
      restart: ['systemctl', '--user', 'restart', unit],
      start: ['systemctl', '--user', 'start', unit],
      stop: ['systemctl', '--user', 'stop', unit],
      logHint: `journalctl --user -u ${unit}`,
    };
  }
  const label = opts.label ?? OPENCLAW_LAUNCHD_LABEL;
  const uid = opts.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 501);
  const target = `gui/${uid}/${label}`;
  return {
    kind,
    unit: target,
    pid: ['launchctl', 'print', target],
    // -k: kill the running instance first, then start it again (KeepAlive would do it anyway).
    restart: ['launchctl', 'kickstart', '-k', target],
    start: ['launchctl', 'kickstart', target],
    // `stop` on a KeepAlive job only restarts it; bootout unloads it (the human's choice, not ours).
    stop: ['launchctl', 'kill', 'SIGTERM', target],
    logHint: path.join(opts.home ?? '~', 'Library', 'Logs', 'openclaw', 'gateway.log'),
  };
}

/**
 * The main pid from `systemctl show -p MainPID` ("MainPID=1234", or "1234" with --value) or from
 * `launchctl print` ("\tpid = 1234"). 0, a missing line or garbage: undefined (not running / unknown).
 */
export function parseExternalPid(kind: ServiceManagerKind, output: string): number | undefined {
  let raw: string | undefined;
  if (kind === 'systemd') {
    const m = /^(?:MainPID=)?(\d+)\s*$/m.exec(output.trim());
    raw = m?.[1];
  } else {
    // Only the job's own top-level "pid = N", not "last exit pid" or nested endpoint pids.
    const m = /^\s*pid = (\d+)\s*$/m.exec(output);
    raw = m?.[1];
  }
  if (raw === undefined) return undefined;
  const pid = Number(raw);
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

/** `systemctl show -p ActiveState` / launchctl "state = running": is the manager running it? */
export function parseExternalState(kind: ServiceManagerKind, output: string): 'running' | 'stopped' | 'unknown' {
  if (kind === 'systemd') {
    const m = /^(?:ActiveState=)?(\w[\w-]*)\s*$/m.exec(output.trim());
    if (!m) return 'unknown';
    return m[1] === 'active' || m[1] === 'reloading' || m[1] === 'activating' ? 'running' : 'stopped';
  }
  const m = /^\s*state = (\w+)/m.exec(output);
  if (!m) return 'unknown';
  return m[1] === 'running' ? 'running' : 'stopped';
}

/** Which manager runs OpenClaw's gateway, judged by the service file `openclaw gateway install` writes. */
export function detectServiceManager(exists: (file: string) => boolean, home: string, platform: NodeJS.Platform, profile?: string): ServiceManagerKind | undefined {
  if (platform === 'darwin' && exists(openclawServiceFile('launchd', home, profile))) return 'launchd';
  if (platform !== 'darwin' && exists(openclawServiceFile('systemd', home, profile))) return 'systemd';
  return undefined;
}
