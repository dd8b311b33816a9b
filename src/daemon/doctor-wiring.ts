// Level 2 plugged into the daemon: preflight before starts, the doctor as a repairer, last-known-good snapshots.
import { statSync } from 'node:fs';
import type { ServiceConfig } from '../config/schema.js';
import type { DaemonContext, DaemonPlugin } from './daemon.js';
import type { ServiceRuntime, Repairers } from './service-runtime.js';
import type { DoctorContext } from '../doctor/types.js';
import { snapshotStoreFor, type SnapshotStore } from '../doctor/snapshot-store.js';
import { preflight, type PreflightCheck } from '../doctor/preflight.js';
import { runDoctor, defaultRules } from '../doctor/run-doctor.js';
import { maybeRecordLastKnownGood } from '../doctor/last-known-good.js';
import { commandLine, environOf } from '../platform/proc.js';

/**
 * A stale instance of this service (safe to stop): it carries this daemon's supervision markers,
 * or it runs this service's own command line.
 */
export function isOwnInstanceOf(service: ServiceConfig, stateDir?: string): (pid: number) => boolean {
  const wanted = service.command.join(' ');
  return (pid: number) => {
    if (stateDir && environOf(pid, 'CLAWBACK_SERVICE') === service.name && environOf(pid, 'CLAWBACK_SUPERVISED_BY') === stateDir) return true;
    const cmd = commandLine(pid);
    return !!cmd && wanted.length > 0 && (cmd === wanted || (service.command.length > 1 && cmd.endsWith(service.command.slice(1).join(' '))));
  };
}

/**
 * One snapshot store per service for the daemon's life: a store serialises its own writes to its
 * index, so the doctor, the last-known-good timer and a Level 3 agent must share it.
 */
export class SnapshotStores {
  private readonly stores = new Map<string, SnapshotStore>();

  for(service: ServiceConfig, ctx: Pick<DaemonContext, 'stateDir' | 'clock'>): SnapshotStore {
    let store = this.stores.get(service.name);
    if (!store) {
      store = snapshotStoreFor(ctx.stateDir, service, ctx.clock);
      this.stores.set(service.name, store);
    }
    return store;
  }
}

export function doctorContext(service: ServiceConfig, ctx: DaemonContext, runtime?: () => ServiceRuntime, stores?: SnapshotStores): DoctorContext {
  const pid = runtime?.().status().pid ?? undefined;
  return {
    service,
    stateDir: ctx.stateDir,
    clock: ctx.clock,
    snapshots: stores ? stores.for(service, ctx) : snapshotStoreFor(ctx.stateDir, service, ctx.clock),
    emit: ctx.emit,
    isOwnInstance: isOwnInstanceOf(service, ctx.stateDir),
    ...(pid ? { currentPid: pid } : {}),
  };
}

export function doctorRepairers(service: ServiceConfig, ctx: DaemonContext, runtime: () => ServiceRuntime, stores: SnapshotStores): Repairers {
  return {
    doctor: async (incident) => {
      const report = await runDoctor(doctorContext(service, ctx, runtime, stores), {
        fix: true,
        incidentId: incident.id,
        // The service's own doctor rewrites configs (OpenClaw's has dropped sections): on the first run
        // only when our own rules left the config broken; on a later run, when restarts did not hold anyway.
        rules: defaultRules({ serviceDoctor: { always: !!service.doctor.command && incident.doctorRuns > 1 } }),
      });
      const fixed = report.outcomes.filter((o) => o.verified).map((o) => o.finding.title);
      const left = report.findings.filter((f) => !report.outcomes.some((o) => o.finding.id === f.id && o.verified)).map((f) => f.title);
      const summary = report.findings.length === 0 ? 'no problem found' : `fixed: ${fixed.join('; ') || 'nothing'}; left: ${left.join('; ') || 'nothing'}`;
      return { fixed: report.exitCode === 1, summary, outcome: report.findings.length === 0 ? 'nothing-found' : report.exitCode === 1 ? 'fixed' : 'not-fixed' };
    },
  };
}

/**
 * Preflight before every start. The config validator can be slow (it may spawn the service's own
 * checker), so it runs again only when the file changed since it last passed.
 */
export function preflightFor(service: ServiceConfig): () => Promise<string | undefined> {
  let validated: string | undefined;
  const stamp = (): string | undefined => {
    if (!service.configFile) return undefined;
    try {
      const s = statSync(service.configFile.path);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  return async () => {
    const before = stamp();
    // An external service may be running already: its port being busy is expected, not a fault.
    const only: PreflightCheck[] = service.external ? ['command', 'cwd', 'env'] : ['command', 'cwd', 'env', 'port'];
    if (service.configFile && (before === undefined || before !== validated)) only.push('config');
    const findings = (await preflight(service, { only })).filter((f) => f.severity !== 'info');
    if (findings.length === 0) {
      validated = before;
      return undefined;
    }
    validated = undefined;
    return findings.map((f) => `${f.title}${f.evidence ? ` (${f.evidence})` : ''}`).join('; ');
  };
}

/** Saves the config as last-known-good once a service has been healthy long enough with it. */
export function lastKnownGoodPlugin(stores: SnapshotStores, intervalMs = 2000): DaemonPlugin {
  return {
    name: 'last-known-good',
    init(ctx, daemon) {
      let stopped = false;
      let timer: { cancel(): void } | undefined;
      const tick = async (): Promise<void> => {
        for (const rt of daemon.runtimes.values()) {
          const since = rt.healthySinceMs();
          if (since === null || !rt.config.configFile) continue;
          await maybeRecordLastKnownGood(doctorContext(rt.config, ctx, undefined, stores), { healthySince: since, now: ctx.clock.now() }).catch(() => undefined);
        }
      };
      const loop = (): void => {
        if (stopped) return;
        timer = ctx.clock.setTimeout(() => void tick().finally(loop), intervalMs);
      };
      loop();
      return {
        stop: async () => {
          stopped = true;
          timer?.cancel();
        },
      };
    },
  };
}
