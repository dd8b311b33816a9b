// Drills of the supervisor itself: a killed daemon (revived by the guardian, the service never down) and the nuclear one.
import { cpSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemonDetached } from '../cli/cmd-install.js';
import { isServing } from './serving-check.js';
import { daemonAliveSync, keepDaemonUp, runGuardian, waitDead } from './daemon-ops.js';
import { guardFile, noteDrillWrite, releaseGuard, restoreFile, type GuardedFile } from './file-guard.js';
import { drillBackupRoot } from './drill-leftovers.js';
import { stateDirOwner } from './backup-root.js';
import { instanceOf, isOneOf, journalSince, secondsOf, sendSignal, signalInstance, stillRuns, waitServedByNewInstance, waitSteady, waitBound, type DrillContext, type Scenario, type ScenarioRun } from './drill-context.js';
import { pollUntil } from './poll.js';
import { cutSnippet } from '../platform/cut-text.js';
import type { Clock } from '../platform/clock.js';
import { isStrictlyInside, realPathAsFarAsExists } from '../platform/path-inside.js';
import { fileStamp } from '../platform/file-stamp.js';

/**
 * Polls the service every 50 ms while the daemon is away, counting the answers that were not 2xx. A look waits for its
 * answer up to the trial's own deadline (monotonic `deadline`): a slow answer under load is the service serving, and a
 * fixed 1 s look counted it as a failure (a false FAILED). stop() lets the look in flight finish and counts it; an
 * abort of `signal` (Ctrl-C) cuts it short uncounted.
 */
export function watchService(
  look: (timeoutMs: number, signal: AbortSignal) => Promise<boolean>,
  clock: Clock,
  deadline: number,
  signal?: AbortSignal,
): { stop(): Promise<{ ok: number; failed: number }> } {
  let ok = 0;
  let failed = 0;
  let stopped = false;
  const cut = new AbortController();
  const onAbort = (): void => cut.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const loop = (async () => {
    while (!stopped && !cut.signal.aborted) {
      const answered = await look(Math.max(1, deadline - clock.monotonic()), cut.signal).catch(() => false);
      if (cut.signal.aborted) break;
      if (answered) ok++;
      else failed++;
      if (!stopped) await clock.sleep(50, cut.signal).catch(() => undefined);
    }
  })();
  let result: Promise<{ ok: number; failed: number }> | undefined;
  return {
    stop: () =>
      (result ??= (async () => {
        stopped = true;
        await loop;
        signal?.removeEventListener('abort', onAbort);
        return { ok, failed };
      })()),
  };
}

/** A cluster singleton's daemon killed (or its state dir lost) past its lease lets another member take the service over: failover, not a revival here. */
function clusterSingleton(ctx: DrillContext): string | undefined {
  const cluster = ctx.target.config.cluster;
  if (!cluster || ctx.target.service.placement !== 'singleton') return undefined;
  return `not applicable: "${ctx.target.service.name}" is a cluster singleton (placement: singleton): while this daemon is dead its lease (leaseTtl ${secondsOf(cluster.leaseTtl)}) expires, this member fences its instance and another member takes the service over, so the daemon comes back to a standby; that failover is the cluster's recovery, not this member's (see docs/clustering.md)`;
}

export const daemonKillScenario: Scenario = {
  name: 'daemon-kill',
  notApplicable(ctx) {
    const singleton = clusterSingleton(ctx);
    if (singleton) return singleton;
    return ctx.target.check.kind === 'status' ? 'not applicable: the service has no health URL or port to watch while the daemon is away' : undefined;
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const info = daemonAliveSync(ctx.target.stateDir);
    const faultAt = ctx.clock.now();
    if (!info) return { faultAt, recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome: 'no live daemon found in daemon.json', notes: [], includeDaemonEvents: true };
    const service = instanceOf(before)!;
    const revive = keepDaemonUp(ctx);
    const watch = watchService(
      (timeoutMs, signal) => isServing(ctx.target.check, ctx.link, ctx.target.service.name, timeoutMs, signal),
      ctx.clock,
      ctx.clock.monotonic() + ctx.timeoutMs,
      ctx.signal,
    );
    try {
      sendSignal(info.pid, 'SIGKILL');
      const dead = await waitDead(info.pid, ctx.clock, 5000, info.pidStartTime);
      const guardian = await runGuardian(ctx, Math.max(60_000, ctx.timeoutMs));
      const back = await pollUntil(
        async () => {
          const st = await ctx.link.tryStatus();
          const s = st?.services.find((x) => x.name === ctx.target.service.name);
          return st && st.daemon.pid !== info.pid && s && isOneOf(instanceOf(s) ?? { pid: 0, startTime: null }, [service]) && s.health === 'healthy' ? ctx.clock.now() : undefined;
        },
        // A person's stop (or Ctrl-C) ends this wait too: no revival is coming, and none is started (keepDaemonUp).
        { clock: ctx.clock, timeoutMs: ctx.timeoutMs, intervalMs: 50, ...(ctx.signal ? { signal: ctx.signal } : {}) },
      );
      const seen = await watch.stop();
      const adopted = stillRuns(service);
      // The installed guardian's own pass may hold guardian.lock when the drill's runs (its timer fired then): that
      // pass revives the daemon. The drill failed though all went right ("guardian: locked", a new daemon, 0 failed).
      const revivedByGuardian = guardian.outcome === 'revived' || (guardian.outcome === 'locked' && back !== undefined);
      const parts = [
        `SIGKILL daemon pid ${info.pid}${dead ? '' : ' (still alive?)'}`,
        `guardian: ${guardian.outcome ?? `exit ${guardian.code}`}${guardian.outcome === 'locked' ? ' (another guardian pass held the lock and revived the daemon)' : ''}`,
        back !== undefined ? 'new daemon adopted the service' : `no daemon with the service healthy ${waitBound(ctx)}`,
        `service polls: ${seen.ok} ok, ${seen.failed} failed`,
      ];
      return {
        faultAt,
        recovered: back !== undefined,
        recoverMs: back === undefined ? null : back - faultAt,
        recoverFrom: 'fault',
        asExpected: revivedByGuardian && back !== undefined && seen.failed === 0 && adopted,
        outcome: parts.join('; '),
        notes: revivedByGuardian ? [] : [`guardian output: ${cutSnippet(guardian.output, 400)}`],
        includeDaemonEvents: true,
      };
    } finally {
      await watch.stop();
      revive();
    }
  },
};

/** Refuses anything that is not plainly a clawback state directory. */
export function checkStateDir(dir: string): string | undefined {
  const abs = path.resolve(dir);
  if (abs !== dir) return `state dir ${dir} is not absolute`;
  if (abs === path.parse(abs).root || abs === os.homedir() || abs === path.resolve(os.homedir(), '..')) return `refusing to remove ${abs}`;
  if (!existsSync(path.join(abs, 'daemon.json'))) return `${abs} has no daemon.json: not a clawback state directory`;
  return undefined;
}

/**
 * Whether `file` lies under the state dir, as written or through links on either side: nuclear moves the state dir
 * aside, so only a config in it is kept and put back (one taken for inside that is not is merely put back unchanged).
 */
export function isInStateDir(stateDir: string, file: string): boolean {
  return isStrictlyInside(stateDir, file) || isStrictlyInside(realPathAsFarAsExists(stateDir), realPathAsFarAsExists(file));
}

/** Copies entries of `from/name` that do not exist in `to/name` (never overwrites the new daemon's files). */
function copyBackMissing(from: string, to: string, name: string): number {
  const src = path.join(from, name);
  if (!existsSync(src)) return 0;
  let n = 0;
  for (const entry of readdirSync(src)) {
    const target = path.join(to, name, entry);
    if (existsSync(target)) continue;
    cpSync(path.join(src, entry), target, { recursive: true, errorOnExist: false, force: false, preserveTimestamps: true });
    n++;
  }
  return n;
}

export const nuclearScenario: Scenario = {
  name: 'nuclear',
  notApplicable(ctx) {
    const singleton = clusterSingleton(ctx);
    if (singleton) return singleton;
    const others = ctx.target.config.services.filter((s) => !s.drillable).map((s) => s.name);
    if (others.length) return `not applicable: the state directory serves other services that are not drillable (${others.join(', ')})`;
    return checkStateDir(ctx.target.stateDir);
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const stateDir = ctx.target.stateDir;
    const notes: string[] = [];
    const info = daemonAliveSync(stateDir);
    const revive = keepDaemonUp(ctx);
    // The embedded demo keeps its config inside the state dir: that is the user's, keep it.
    const guards: GuardedFile[] = ctx.target.config.services
      .map((s) => s.configFile?.path)
      .filter((p): p is string => !!p && isInStateDir(stateDir, p))
      .map((p) => guardFile(p, drillBackupRoot(stateDir), stateDirOwner(stateDir)));
    const putBack = guards.map((g) =>
      ctx.restore.push(`restore ${g.path}`, () => {
        restoreFile(g);
        releaseGuard(g);
      }),
    );
    const faultAt = ctx.clock.now();
    try {
      // The configs go away with the state dir: recorded first, so a drill killed now has them put back by the next.
      for (const g of guards) noteDrillWrite(g, undefined);
      if (info) sendSignal(info.pid, 'SIGKILL');
      const service = instanceOf(before)!;
      const servicePid = service.pid;
      // Its group only while the leader is still the instance the daemon reported: a reused pid's group is someone else's.
      if (!(stillRuns(service) && sendSignal(-servicePid, 'SIGKILL'))) signalInstance(service, 'SIGKILL');
      if (info) await waitDead(info.pid, ctx.clock, 5000, info.pidStartTime);
      await pollUntil(() => !stillRuns(service), { clock: ctx.clock, timeoutMs: 5000, intervalMs: 20 });
      const aside = `${stateDir}.drill-nuclear-${fileStamp(faultAt)}`;
      try {
        renameSync(stateDir, aside);
      } catch {
        cpSync(stateDir, aside, { recursive: true });
        rmSync(stateDir, { recursive: true, force: true });
      }
      ctx.reportNotes.push(`nuclear: the removed state directory was kept at ${aside} (old journal, token, snapshots); delete it when you no longer need it`);
      for (const undo of putBack) undo();
      if (guards.length) notes.push(`put back ${guards.map((g) => path.basename(g.path)).join(', ')} (your config inside the state dir) before the restart`);
      startDaemonDetached(stateDir, ctx.target.configFile ?? undefined, info?.apiPortOverride);
      const back = await waitServedByNewInstance(ctx, [service]);
      const steady = back !== undefined ? await waitSteady(ctx) : undefined;
      const fresh = (await journalSince(ctx, faultAt)).some((e) => e.type === 'daemon.history-lost');
      // History matters to the user: bring back the snapshots, unsent alerts and earlier drill reports.
      let copied = 0;
      if (existsSync(aside)) for (const name of ['snapshots', 'outbox', 'drills']) copied += copyBackMissing(aside, stateDir, name);
      if (copied) notes.push(`copied ${copied} snapshot/outbox/report entr${copied === 1 ? 'y' : 'ies'} back from the old state dir after recovery`);
      return {
        faultAt,
        recovered: back !== undefined,
        recoverMs: back === undefined ? null : back - faultAt,
        recoverFrom: 'fault',
        asExpected: back !== undefined && steady !== undefined && fresh,
        outcome: [
          `SIGKILL daemon${info ? ` pid ${info.pid}` : ''} and service pid ${servicePid}, state dir removed`,
          back !== undefined ? 'serving again from the config alone' : `not serving ${waitBound(ctx)}`,
          steady ? 'daemon reports it healthy' : 'daemon does not report it healthy',
          fresh ? 'new journal started (history-lost)' : 'no history-lost event',
        ].join('; '),
        notes,
        includeDaemonEvents: true,
      };
    } finally {
      for (const undo of putBack) undo();
      for (const g of guards) releaseGuard(g);
      revive();
    }
  },
};
