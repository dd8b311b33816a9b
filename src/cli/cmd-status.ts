// `clawback status`: what the daemon supervises, as a table or as JSON.
import type { Command } from 'commander';
import { clientStateDir, connect, DaemonUnreachable, type GlobalOpts } from './client.js';
import { offlineAlertLines } from './offline-alerts.js';
import { readOutboxOnDisk } from '../notify/outbox-on-disk.js';
import { cliHint } from './cli-command.js';
import { configMeant, configMismatch } from './config-mismatch.js';
import { humanBytes, lastExitText, humanDuration, paint, table, wantsColour } from './format.js';
import type { ServiceStatus } from '../daemon/service-runtime.js';
import { terminalSafeDeep } from './terminal-safe.js';
import { deadLetterLines, type DeadLetterView } from '../notify/dead-letter-notice.js';
import { heldDuringWorkHint, workInFlightText } from './work-in-flight-text.js';
import { abandonedDrillChanges, drillBackupRoots, type AbandonedDrillChange } from '../drill/drill-leftovers.js';
import { urlHost } from '../platform/url-host.js';

type GuardianPassView = import('../daemon/guardian-pass.js').GuardianPassView;
type ForecastView = import('../daemon/prediction-wiring.js').ForecastView;

interface StatusJson {
  daemon: {
    pid: number;
    version: string;
    uptimeMs: number;
    configFile: string | null;
    /** The last config reload was refused (or its rollout stopped); null once a reload succeeds. */
    reloadFailed?: { at: number; by: string; message: string } | null;
    /** The previous daemon ended without its shutdown (shown for an hour after this daemon started). */
    previousDied?: { at: number; message: string } | null;
    /** state.json could not be used at start and was moved aside (the history was reset): shown until acknowledged. */
    historyLost?: { at: number; message: string } | null;
    /** The daemon noticed it stood still or the machine slept (shown for an hour): explains late probes and restarts. */
    lastPause?: { at: number; message: string; pausedMs?: number; kind?: string } | null;
    now?: number;
    stateDir: string;
    api: { host: string; port: number };
    /** The services' first start (preflight, adoption) is still under way; changes wait for it. */
    starting?: boolean;
    health?: 'ok' | 'degraded';
    degraded?: Array<{ reason: string; lastError?: string; count?: number; since?: number }>;
    /** When the guardian last ran (src/daemon/guardian-pass.ts); absent from an older daemon. */
    guardian?: GuardianPassView;
  };
  services: Array<ServiceStatus & { forecast?: ForecastView }>;
  scaled?: import('../instances/instances-plugin.js').ScaledGroupStatus[];
  notify?: DeadLetterView;
  /** A daemon with a `cluster:` block (src/cluster/cluster-plugin.ts); followSkipped is absent from earlier versions. */
  cluster?: { member?: string; etcdError?: string | null; followSkipped?: Array<{ service: string; at: number; message: string }> };
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the daemon and its services')
    .option('--json', 'machine-readable output (documented in the README)')
    .action((o: { json?: boolean }) => runStatus(program.opts(), !!o.json));
}

/** The command itself, for commander and for the fast path in main.ts (which does not load commander). */
export async function runStatus(globals: GlobalOpts, json: boolean): Promise<void> {
  // A read, not a request to a daemon that must get it: a live holder of daemon.lock with no daemon.json yet (starting,
  // or hung before its API was bound) is named at once, with since when, not after the whole start wait (10 s).
  const client = await connect(globals, { startWaitMs: 0 }).catch((err: unknown) => {
    throw err instanceof DaemonUnreachable ? withAlertsOnDisk(err, globals) : err;
  });
  const status = await client.get<StatusJson>('/api/status');
  const mismatch = configMismatch(configMeant(globals), status.daemon);
  if (mismatch) process.stderr.write(`clawback: warning: ${mismatch}\n`);
  if (json) {
    process.stdout.write(JSON.stringify(status) + '\n');
    return;
  }
  const resumeHint = (name: string): string => cliHint(['resume', name], { stateDir: client.stateDir });
  const startHint = (name: string): string => cliHint(['start', name], { stateDir: client.stateDir });
  const colour = wantsColour(process.stdout);
  process.stdout.write([renderStatus(status, colour, resumeHint, startHint), ...drillLeftoverLines(await abandonedDrillChanges(drillBackupRoots(client.stateDir)), colour)].join('\n') + '\n');
}

/** "Not running", and the alerts its outbox keeps (a 429 wait, dead letters): no daemon answers for them now. */
function withAlertsOnDisk(err: DaemonUnreachable, globals: GlobalOpts): DaemonUnreachable {
  let lines: string[];
  try {
    lines = offlineAlertLines(readOutboxOnDisk(clientStateDir(globals), Date.now()));
  } catch {
    return err;
  }
  return lines.length === 0 ? err : new DaemonUnreachable([err.message, ...lines].join('\n'));
}

/** A drill killed mid-fault (SIGKILL, OOM) leaves its change of a file in place until the next drill: said here, not only then. */
export function drillLeftoverLines(changes: readonly AbandonedDrillChange[], colour: boolean): string[] {
  const p = paint(colour);
  return changes.flatMap((c) => [
    '',
    p.red(`DRILL LEFT A FILE CHANGED: ${c.file} still holds what a drill killed mid-fault (pid ${c.pid}) wrote there; your bytes are kept in ${c.backup}`),
    `  the next \`clawback drill\` or daemon start puts them back (or copy them back yourself)`,
  ]);
}

export function renderStatus(
  answer: StatusJson,
  colour: boolean,
  resumeHint: (name: string) => string = (name) => `clawback resume ${name}`,
  startHint: (name: string) => string = (name) => `clawback start ${name}`,
): string {
  // Held details, incident reasons and daemon errors carry what a service wrote (a probe command's output).
  const status = terminalSafeDeep(answer);
  const p = paint(colour);
  const d = status.daemon;
  const head = `clawback ${d.version}  pid ${d.pid}  up ${humanDuration(d.uptimeMs)}  API http://${urlHost(d.api.host)}:${d.api.port}  ${p.dim(d.configFile ?? '(embedded demo)')}`;
  const rows: string[][] = [['SERVICE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'HEALTH', 'MEMORY', 'INCIDENT']];
  for (const s of status.services) {
    const state = s.state === 'running' ? p.green(s.state) : s.state === 'held' ? p.red(s.held ? `held (${s.held.reason})` : s.state) : s.updateHold ? p.yellow('held (update)') : p.yellow(s.state);
    const health = s.health === 'healthy' ? p.green('healthy') : s.health === 'unhealthy' ? p.red('unhealthy') : s.health === 'stopping' ? p.yellow('stopping') : p.dim(s.health);
    // The last reading of an instance that is gone is not the service's memory now (/metrics omits it too).
    const mem = s.pid != null ? s.probes.find((x) => x.kind === 'memory')?.lastResult?.value : undefined;
    // A crash its policy keeps down is not an incident the ladder is still working on: it waits for a person's start.
    const incStatus = s.keptDown && s.incident?.status === 'open' ? 'kept down' : s.incident?.status;
    const inc = s.incident ? `${s.incident.id} L${s.incident.level} ${incStatus}` : '-';
    rows.push([s.name, state, s.pid ? String(s.pid) : '-', humanDuration(s.uptimeMs), String(s.restarts), health, humanBytes(mem), s.incident ? p.yellow(inc) : inc]);
  }
  const lines = [head];
  if (d.starting) {
    const busy = status.services.filter((s) => s.state === 'starting').map((s) => s.name);
    lines.push(p.yellow(`DAEMON STARTING: first start of its services under way${busy.length > 0 ? ` (${busy.join(', ')} starting)` : ''}; a service's start, stop, restart and maintenance wait only for its own start, a reload or scale for all of them`));
  }
  if (d.health === 'degraded') {
    for (const f of d.degraded ?? []) {
      lines.push(p.red(`DAEMON DEGRADED: ${f.reason}: ${f.lastError ?? ''}${f.count ? ` (${f.count}x)` : ''}; services are still supervised`));
    }
  }
  if (d.reloadFailed) {
    const ago = d.now !== undefined ? ` ${humanDuration(Math.max(0, d.now - d.reloadFailed.at))} ago` : '';
    lines.push(p.red(`CONFIG RELOAD FAILED${ago} (by ${d.reloadFailed.by}): ${d.reloadFailed.message}`));
  }
  lines.push(...guardianLines(d.guardian, d.now, p));
  if (d.lastPause) {
    const ago = d.now !== undefined ? ` ${humanDuration(Math.max(0, d.now - d.lastPause.at))} ago` : '';
    lines.push(p.yellow(`DAEMON PAUSED${ago}: ${d.lastPause.message}`));
  }
  if (d.historyLost) lines.push(p.yellow(`STATE HISTORY RESET at this daemon's start: ${d.historyLost.message} (clawback acknowledge clears this notice)`));
  if (d.previousDied) lines.push(p.red(`PREVIOUS DAEMON DIED: ${d.previousDied.message} (clawback acknowledge clears this notice)`));
  for (const line of deadLetterLines(status.notify)) lines.push(p.red(`ALERTS NOT DELIVERED: ${line}`));
  // The table said only "gw stopped" while etcd could not be used (no lease: no member may run it); the JSON had it.
  if (status.cluster?.etcdError) lines.push(p.red(`CLUSTER ETCD PROBLEM: ${status.cluster.etcdError} (\`clawback cluster status\` for the leaders)`));
  for (const f of status.cluster?.followSkipped ?? []) {
    const ago = d.now !== undefined ? ` ${humanDuration(Math.max(0, d.now - f.at))} ago` : '';
    lines.push(p.yellow(`CLUSTER CONFIG NOT FOLLOWED${ago}: ${f.message}`));
  }
  lines.push('', table(rows));
  // Services with instances: one line per group (its instances are the NAME:i rows above).
  for (const g of status.scaled ?? []) {
    const a = g.autoscale;
    const auto = a ? `; autoscale ${a.metric} ${a.value === null ? 'n/a' : a.value.toFixed(1)} per instance (target ${a.target}, ${a.min}..${a.max})${a.held ? `; holding: ${a.held}` : ''}` : '';
    const line = `${g.service}: ${g.instances} instance(s), ${g.healthy} healthy${auto}`;
    lines.push(g.healthy === 0 ? p.red(line) : g.healthy < g.instances ? p.yellow(line) : p.dim(line));
  }
  for (const s of status.services) {
    if (s.maintenance) {
      const left = s.maintenance.timeLeftMs !== null ? `${humanDuration(s.maintenance.timeLeftMs)} left` : 'until turned off';
      lines.push('', p.yellow(`${s.name}: maintenance by ${s.maintenance.by} (${left})${s.maintenance.reason ? `: ${s.maintenance.reason}` : ''}; not healed`));
    }
    // A probe that cannot run judges nothing: the service is neither restarted nor known to be healthy.
    for (const pr of s.probes) {
      // (not in its start-up grace: a service still starting answers nothing yet, and that is no probe's fault)
      if (pr.lastResult?.status !== 'unknown' || pr.inGrace) continue;
      const n = pr.consecutiveUnknowns ?? 1;
      lines.push(p.yellow(`${s.name}: probe ${pr.name} cannot judge (${n} check${n === 1 ? '' : 's'} unknown in a row): ${pr.lastResult.message}`));
    }
    // Work of the open incident under a hold: the ladder is at work; "fix the cause, then: resume" would overrule it.
    const working = s.work && (!s.incident || s.work.incidentId === s.incident.id) ? s.work : null;
    if (s.work) lines.push((working && s.held ? p.yellow : p.dim)(`${s.name}: ${workInFlightText(s.work, d.now)}`));
    // Between an exit and the next start the config validator may run for half a minute: say so, with its budget.
    if (s.preflight && s.state === 'starting') {
      const ran = d.now !== undefined ? `${humanDuration(Math.max(0, d.now - s.preflight.since))} of ` : 'up to ';
      lines.push(p.dim(`${s.name}: preflight: ${s.preflight.step} (${s.preflight.command.join(' ')}), ${ran}${humanDuration(s.preflight.budgetMs)} budget`));
    }
    if (s.startup) lines.push(p.dim(`${s.name}: ${s.startup.message}`));
    // "stopped / pending" alone while the boot waits for an interrupted update's resume: said why, and where its record is.
    if (s.updateHold) lines.push(p.yellow(s.updateHold.message));
    // A singleton another member runs (or nobody, for now) is not a stopped service to fix.
    // This member named as holder while not active: it fenced itself (no renewal in time), it is no standby of itself.
    if (s.placement && !s.placement.active && s.state !== 'running' && s.placement.holder !== null && s.placement.holder === status.cluster?.member) {
      lines.push(p.yellow(`${s.name}: fenced: this member (${s.placement.holder}) holds the lease but no renewal went through in time, so its instance was stopped; it runs again here once a renewal goes through (placement: singleton)`));
    } else if (s.placement && !s.placement.active && s.state !== 'running') lines.push(p.dim(`${s.name}: standby: ${s.placement.holder ? `${s.placement.holder} holds the lease` : 'no member holds the lease now'} (placement: singleton)`));
    if (s.keptDown && s.incident) lines.push('', p.red(`${s.name}: failed, kept down (restart: ${s.keptDown}): not restarted until a person starts it: ${startHint(s.name)}`));
    else if (s.keptDown) lines.push(p.dim(`${s.name}: finished, kept down (restart: ${s.keptDown}); ${startHint(s.name)} runs it again`));
    if (s.held) lines.push('', p.red(`${s.name}: restarts stopped (${s.held.reason}): ${s.held.detail}`), working ? heldDuringWorkHint(working, resumeHint(s.name)) : `  fix the cause, then: ${resumeHint(s.name)}`);
    const fm = s.forecast?.memory;
    if (fm && fm.verdict === 'rising' && fm.etaMs !== null) {
      lines.push(p.yellow(`${s.name}: memory predicted to reach its limit in ~${humanDuration(fm.etaMs)} (confidence ${fm.confidence.toFixed(2)})`));
    }
    if (s.forecast?.latency?.warning) lines.push(p.yellow(`${s.name}: ${s.forecast.latency.message}`));
    if (s.lastExit && s.state !== 'running') {
      lines.push(s.lastExit.startError !== undefined ? p.red(`${s.name}: ${lastExitText(s.lastExit)}`) : p.dim(`${s.name}: ${lastExitText(s.lastExit)}`));
    }
  }
  return lines.join('\n');
}

/** When the installed guardian last ran; red once it missed GUARDIAN_OVERDUE_INTERVALS of its intervals. */
function guardianLines(g: GuardianPassView | undefined, now: number | undefined, p: ReturnType<typeof paint>): string[] {
  if (!g?.installed) return [];
  const every = `every ${humanDuration(g.intervalSec * 1000)}`;
  const last = g.last ? `last pass ${now !== undefined ? `${humanDuration(Math.max(0, now - g.last.at))} ago` : new Date(g.last.at).toISOString()} (${g.last.outcome})` : 'no pass yet';
  if (g.overdue) return [p.red(`GUARDIAN NOT RUNNING: ${last}, installed to run ${every}: check its timer, LaunchAgent or cron line (\`clawback install\` writes them again)`)];
  return [p.dim(`guardian: ${last}, ${every}`)];
}
