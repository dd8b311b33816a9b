// Which service a drill hits and how it is judged: its config (from the file the daemon runs), health URL, leak switch, safety checks.
import path from 'node:path';
import { article } from '../platform/article.js';
import { loadConfig, validateConfig } from '../config/load.js';
import { demoConfig } from '../config/demo-preset.js';
import { configDigest } from '../config/config-digest.js';
import { ConfigError } from '../config/errors.js';
import type { ClawbackConfig, ServiceConfig } from '../config/schema.js';
import type { ProbeConfigOf } from '../probes/probe-schema.js';
import type { ChannelFilter } from '../notify/filter.js';
import { isLoopbackHost } from '../server/auth.js';
import type { DaemonStatusJson } from './daemon-link.js';
import type { ServiceStatus } from '../daemon/service-runtime.js';
import { urlHost } from '../platform/url-host.js';

/** How "serving again" is judged. */
export type ServingCheck = { kind: 'http'; url: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'status' };

export interface DrillTarget {
  stateDir: string;
  /** The config file the daemon runs, or null for the embedded demo. */
  configFile: string | null;
  config: ClawbackConfig;
  /** The daemon's digest of that config when the drill began (config-digest.ts): a reload meanwhile changes it. */
  configDigest?: string | null;
  service: ServiceConfig;
  check: ServingCheck;
  /** POST here to start a memory leak; undefined when the service offers none. */
  leakUrl: string | undefined;
  memoryLimit: number | undefined;
  channels: ChannelFilter[];
}

/** A refusal the CLI turns into an exit code: 2 unsafe or not drillable, 4 unknown service. */
export class DrillRefused extends Error {
  constructor(
    message: string,
    readonly exitCode: 2 | 4,
  ) {
    super(message);
  }
}

/**
 * The config the daemon is running: its file, or the embedded demo for that state directory. The drill judges the
 * service by it (health URL, probes, config file), so a file edited since the daemon loaded it (no `clawback reload`
 * yet, or a reload it refused) is refused (exit 2): judged by the edit, the drill `resume`d a healthy service and failed.
 */
export function loadDaemonConfig(status: DaemonStatusJson): ClawbackConfig {
  const stateDir = status.daemon.stateDir;
  const file = status.daemon.configFile;
  if (file) {
    const runs = status.daemon.configDigest;
    const notReloaded = status.daemon.reloadFailed ? ` (its last reload was refused: ${status.daemon.reloadFailed.message})` : '';
    let loaded;
    try {
      loaded = loadConfig({ file, stateDir });
    } catch (err) {
      if (!(err instanceof ConfigError) || !runs) throw err;
      throw new DrillRefused(`the daemon runs a different config than ${file}${notReloaded}: the file no longer loads (${err.message}); fix it and run \`clawback reload\` first, or put it back`, 2);
    }
    if (runs && configDigest(loaded.raw) !== runs) {
      throw new DrillRefused(`the daemon runs a different config than ${file}${notReloaded}: the file was changed since the daemon loaded it; run \`clawback reload\` first, or put it back`, 2);
    }
    return loaded.config;
  }
  const config = validateConfig(demoConfig(stateDir), '(embedded demo config)');
  for (const s of config.services) {
    s.cwd = path.resolve(s.cwd ?? '.');
    if (s.configFile) s.configFile.path = path.resolve(s.configFile.path);
  }
  return config;
}

function hostOfUrl(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, '');
}

/** The demo gateway (or any service started from a file named like it) has fault switches at /fault/*. */
export function isDemoGateway(service: ServiceConfig): boolean {
  return service.command.some((a) => a.replace(/\\/g, '/').endsWith('demo-gateway/server.mjs'));
}

export function servingCheckFor(service: ServiceConfig): ServingCheck {
  const http = service.probes.find((p): p is ProbeConfigOf<'http'> => p.kind === 'http');
  if (http) return { kind: 'http', url: http.url };
  const tcp = service.probes.find((p): p is ProbeConfigOf<'tcp'> => p.kind === 'tcp');
  if (tcp) return { kind: 'tcp', host: tcp.host, port: tcp.port };
  if (service.port !== undefined) return { kind: 'tcp', host: '127.0.0.1', port: service.port };
  return { kind: 'status' };
}

/**
 * How long one outside look at the service may take and still be an answer (chaos' outside poll): the timeout of the
 * probe its serving check comes from, as the daemon counts an answer within it healthy; 1 s without such a probe. A fixed
 * 1 s judged a service whose health route answers in 1.2 s (probe timeout 3 s, healthy to the daemon) down every poll.
 */
export function servingLookMs(service: ServiceConfig): number {
  const probe = service.probes.find((p) => p.kind === 'http') ?? service.probes.find((p) => p.kind === 'tcp');
  return probe?.timeout ?? 1000;
}

function baseUrlOf(service: ServiceConfig, check: ServingCheck): string | undefined {
  if (check.kind === 'http') return new URL(check.url).origin;
  if (check.kind === 'tcp') return `http://${urlHost(check.host)}:${check.port}`;
  return service.port !== undefined ? `http://127.0.0.1:${service.port}` : undefined;
}

export interface ResolveOptions {
  service?: string;
  /** An explicit leak switch (POST), e.g. from --leak-url. */
  leakUrl?: string;
}

/** Picks the service, checks it may be drilled, and works out how to judge it. Throws DrillRefused. */
export function resolveTarget(status: DaemonStatusJson, config: ClawbackConfig, opts: ResolveOptions): DrillTarget {
  const api = status.daemon.api;
  if (api && !isLoopbackHost(api.host)) throw new DrillRefused(`the daemon's API is on ${api.host}, not loopback; drills run against a local daemon only`, 2);
  let service: ServiceConfig | undefined;
  if (opts.service) {
    service = config.services.find((s) => s.name === opts.service);
    const group = service ? [] : config.services.filter((s) => s.name.startsWith(`${opts.service}:`)).map((s) => s.name);
    // `instances: N` runs NAME:0..N-1, each its own ladder: a fault breaks one of them, so the drill names one.
    if (group.length) throw new DrillRefused(`"${opts.service}" is a group of ${group.length} instance(s) (${group.join(', ')}); a drill breaks one instance at a time: name one, e.g. --service ${group[0]}`, 2);
    if (!service) throw new DrillRefused(`no service named "${opts.service}" (known: ${config.services.map((s) => s.name).join(', ')})`, 4);
  } else if (config.services.length === 1) {
    service = config.services[0];
  } else {
    const drillable = config.services.filter((s) => s.drillable);
    if (drillable.length !== 1) {
      throw new DrillRefused(`several services are configured (${config.services.map((s) => s.name).join(', ')}); name one with --service`, 2);
    }
    service = drillable[0];
  }
  if (!service) throw new DrillRefused('no service to drill', 2);
  if (!service.drillable) {
    throw new DrillRefused(`refusing to drill "${service.name}": it is not marked \`drillable: true\` in ${status.daemon.configFile ?? 'the config'}. Drills kill, hang and corrupt things on purpose; mark only services you are willing to break.`, 2);
  }
  const check = servingCheckFor(service);
  if (check.kind === 'http' && !isLoopbackHost(hostOfUrl(check.url))) throw new DrillRefused(`the health URL ${check.url} is not on loopback; drills are loopback only`, 2);
  if (check.kind === 'tcp' && !isLoopbackHost(check.host)) throw new DrillRefused(`the probe host ${check.host} is not loopback; drills are loopback only`, 2);
  let leakUrl = opts.leakUrl;
  if (!leakUrl && isDemoGateway(service)) {
    const base = baseUrlOf(service, check);
    if (base) leakUrl = `${base}/fault/leak`;
  }
  if (leakUrl && !isLoopbackHost(hostOfUrl(leakUrl))) throw new DrillRefused(`the leak switch ${leakUrl} is not on loopback; drills are loopback only`, 2);
  const memory = service.probes.find((p): p is ProbeConfigOf<'memory'> => p.kind === 'memory' && p.limit !== undefined && p.action === 'restart');
  const channels = (config.notify.channels ?? []).filter((c) => c.enabled !== false).map((c) => ({ minSeverity: c.minSeverity, events: c.events, exclude: c.exclude }));
  return {
    stateDir: status.daemon.stateDir,
    configFile: status.daemon.configFile,
    config,
    configDigest: status.daemon.configDigest ?? null,
    service,
    check,
    leakUrl,
    memoryLimit: memory?.limit,
    channels,
  };
}

/**
 * Why a person has this service out of the drill's reach right now, or undefined. In maintenance nothing heals a
 * fault, so a drilled one would stay; a service stopped by hand or held for a human is someone's decision that a
 * drill (its `resume` included) must not overrule. (A stopped service with an open incident or a restart due is
 * only between a crash and its restart.)
 */
export function pausedByPerson(s: ServiceStatus): string | undefined {
  const resume = `\`clawback resume ${s.name}\``;
  if (s.maintenance) {
    const m = s.maintenance;
    return `"${s.name}" is in maintenance (by ${m.by}${m.reason ? `: ${m.reason}` : ''}): nothing would heal a drilled fault; end it first with \`clawback maintenance ${s.name} off\``;
  }
  if (s.held && s.held.reason !== 'repair') return `"${s.name}" is held for a human (${s.held.reason}: ${s.held.detail}); fix it and run ${resume} before drilling`;
  if (s.state === 'stopped' && s.pid === null && !s.incident && s.nextRestartAt === null) {
    return `"${s.name}" is stopped; start it first with \`clawback start ${s.name}\` if it may be drilled`;
  }
  return undefined;
}

/**
 * Why an update run in flight rules a drill out, or undefined. The update stops, starts and watches the service, and
 * judges the new version by its exits: a drilled crash would roll it back, and its stop would read as the drill's fault. Pure.
 */
export function updateUnderWay(name: string, run: { runId: string | null; to: string | null } | undefined): string | undefined {
  if (!run) return undefined;
  // No target yet: the run is looking up the latest version (`clawback update NAME` without one), say so.
  const what = run.to ? ` to ${run.to}` : ' (looking up the latest version)';
  return `"${name}" is being updated${what} (\`clawback update\` run ${run.runId ?? '?'}): a drilled fault would be judged against the new version and could roll it back; wait until it ends (follow it in the journal or GET /api/update/${name})`;
}

/**
 * Why this daemon does not run the service at all, or undefined: a cluster singleton whose lease another member holds
 * (or no member yet) stands by here, with no instance to break; it is not stopped, and `clawback start` here is refused.
 */
export function standingBy(s: ServiceStatus): string | undefined {
  if (!s.placement || s.placement.active) return undefined;
  const holder = s.placement.holder ? `member ${s.placement.holder} holds its lease and runs it` : 'no member holds its lease yet';
  return `"${s.name}" is a cluster singleton standing by on this member: ${holder}; drill it through the daemon of the member that runs it`;
}

/**
 * Why the service is in the middle of a recovery that is not the drill's, or undefined: work in flight (a doctor, agent,
 * verify, revert or approval), a hold, or an open incident. The drill's `resume` would cancel that work or lift the
 * hold over the ladder (the one owner) and the person it called, so a drill does not start on it without --force.
 */
export function recoveryUnderWay(s: ServiceStatus): string | undefined {
  if (s.work) return `"${s.name}" has ${article(s.work.kind)} ${s.work.kind} run in flight (incident ${s.work.incidentId}); let it finish, or watch \`clawback status ${s.name}\``;
  if (s.held) return `"${s.name}" is held (${s.held.reason}: ${s.held.detail})`;
  if (s.incident) return `"${s.name}" has an open incident (${s.incident.id}, level ${s.incident.level}: ${s.incident.reason}); wait until it resolves`;
  return undefined;
}

export { article };
