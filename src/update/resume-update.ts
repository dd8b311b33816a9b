// An update its daemon did not live to finish (SIGKILL, crash, OOM mid-update): the next daemon watches it or rolls it back.
import type { ClawbackEvent, Severity } from '../observe/events.js';
import { VersionStore } from './version-store.js';
import { readBackup } from './state-backup.js';
import { clearInFlight, markRollingBack, type UpdateInFlight } from './update-in-flight.js';
import { httpReady, readyUrlOf, restoreFiles, rollBackOnDisk, stopConfirmed, versionsDirOf, watch, type UpdateDeps, type UpdateTarget } from './run-update.js';

export interface ResumeResult {
  outcome: 'succeeded' | 'rolled-back' | 'failed' | 'left' | 'cancelled';
  message: string;
}

const WHY = 'interrupted by a daemon restart';

/**
 * Finishes an update from where its record says it stood, through the service's reducer as the update itself would:
 * - `current` points at the new version: watch it now (starting it if the update had not yet), keep it when it holds,
 *   else roll back (stop, restore the backup, point `current` at the old version, start);
 * - otherwise the old version's files were never changed: start the service again if the update had stopped it.
 * A service in maintenance is left as it is and a person is told where things stand. The record goes when done.
 */
export async function resumeInterruptedUpdate(target: UpdateTarget, rec: UpdateInFlight, deps: UpdateDeps): Promise<ResumeResult> {
  const { clock } = deps;
  const service = target.service;
  const name = service.name;
  const emit = (type: ClawbackEvent['type'], severity: Severity, message: string, details: Record<string, unknown> = {}): void =>
    deps.emit({ type, time: clock.now(), severity, service: name, message, details: { runId: rec.runId, from: rec.from, to: rec.to, interrupted: true, ...details } });
  const finish = async (r: ResumeResult, type: ClawbackEvent['type'], severity: Severity, details: Record<string, unknown> = {}): Promise<ResumeResult> => {
    await clearInFlight(deps.stateDir, name).catch(() => undefined);
    emit(type, severity, r.message, details);
    return r;
  };
  const head = `${name}: the update ${rec.from} -> ${rec.to} (run ${rec.runId}) was ${WHY}`;
  const u = service.update;
  if (!u) return finish({ outcome: 'left', message: `${head}; ${name} has no update settings any more, so nothing was changed (backups in ${rec.backupDir})` }, 'update.failed', 'critical');
  const store = new VersionStore(versionsDirOf(service, deps.stateDir), u.package);
  const cur = await store.current();
  const heldBy = target.maintenanceBy?.() ?? null;
  if (heldBy) {
    return finish(
      { outcome: 'left', message: `${head}; ${heldBy} holds ${name} in maintenance, so it was left as it is: ${store.currentLink} -> ${cur ?? '(missing)'}, backups in ${rec.backupDir}` },
      'update.failed',
      'critical',
    );
  }
  const ready = deps.ready ?? httpReady;
  const pollMs = deps.pollMs ?? 1_000;
  const readyUrl = readyUrlOf(service);
  const stopped = (): boolean => target.phase() === 'stopped';

  if (cur !== rec.to || rec.to === rec.from) {
    // Never switched (or already switched back): the old version's files are untouched or restored.
    const wasStopped = stopped();
    // The rollback restores the backups, then points `current` back (active.json says why): killed after that, the update
    // had switched and been rolled back, which "before it switched versions" denied.
    const act = cur === rec.from ? await store.active() : undefined;
    const rolledBack = act !== undefined && act.version === rec.from && act.reason.startsWith('rollback');
    let stoppedHere = false;
    const manifest = rolledBack ? await readBackup(rec.backupDir) : undefined;
    if (rolledBack && !wasStopped) {
      // Running (adopted: the last daemon started it again before it cleared this record): its files are checked (and
      // put back) only once it is down, through the reducer, never under a running process, nor left running on a mix
      // of two versions' files. With no backup to check them against (manifest gone), it is held for a person, named.
      const stop = await target.request('stop', 'human');
      if (!(await stopConfirmed(target, clock, pollMs, u.watch, deps.signal))) {
        if (deps.signal?.aborted) return { outcome: 'cancelled', message: `${head}; the daemon stopped again before it was finished` };
        return finish(
          { outcome: 'failed', message: `${head} after its rollback had put ${rec.from} back (${act.reason}), but ${name} did not stop (${target.phase()}: ${stop.message}), so its files were NOT checked against the backup in ${rec.backupDir} under it; once it is stopped, \`clawback update ${name} ${rec.from}\` puts them back` },
          'update.failed',
          'critical',
          { notStopped: true, phase: target.phase(), backupDir: rec.backupDir },
        );
      }
      stoppedHere = true;
    }
    if ((wasStopped || stoppedHere) && rolledBack) {
      // Its restore may have failed half-way (a full disk): put back again what still differs (unchanged files are left
      // alone), and let the reducer decide: started when all is back, held (Level 4) on a mix of two versions' files.
      const disk = await restoreFiles(rec.backupDir, manifest);
      const answer = await target.restored(rec.runId, disk.notRestored);
      if (disk.notRestored.length > 0) {
        return finish(
          { outcome: 'failed', message: `${head} after its rollback had put ${rec.from} back (${act.reason}), but ${disk.problems.join('; ')}: ${name} is held, not started on a mix of ${rec.from}'s and ${rec.to}'s files (${answer.message}); put the files named right, then \`clawback resume ${name}\`` },
          'update.failed',
          'critical',
          { held: true, problems: disk.problems, backupDir: rec.backupDir },
        );
      }
    } else if (wasStopped) await target.request('start', 'human');
    const where = rolledBack
      ? ` after its rollback had put ${rec.from} back (${act.reason}; the files from before the update restored from ${rec.backupDir})`
      : ' before it switched versions';
    return finish(
      { outcome: 'failed', message: `${head}${where}; still on ${cur ?? rec.from}${wasStopped ? ', started again (the update had stopped it)' : stoppedHere ? ', stopped to check its files and started again' : ', untouched'}` },
      'update.failed',
      'warning',
      { startedAgain: wasStopped || stoppedHere },
    );
  }

  const exits: Array<{ code: number | null; signal: string | null; time: number }> = [];
  const off = target.subscribe((e) => {
    if (e.service !== name || e.type !== 'service.exited') return;
    const d = (e.details ?? {}) as { code?: number | null; signal?: string | null; expected?: boolean };
    if (!d.expected) exits.push({ code: d.code ?? null, signal: d.signal ?? null, time: clock.now() });
  });
  try {
    const watchFrom = clock.monotonic();
    // The update had already decided to roll back (killed during its restore, before `current` went back): that decision
    // stands; the new version is neither started nor watched (it would run on the old version's files, and be kept).
    const decided = rec.rollback;
    if (stopped() && !decided) await target.request('start', 'human');
    const common = { clock, pollMs, crashLoopExits: u.crashLoopExits, exits, ...(deps.signal ? { signal: deps.signal } : {}) };
    const v: Awaited<ReturnType<typeof watch>> = decided
      ? { kind: 'rollback', reason: `${decided.reason.replace(/^rollback: /, '')}; its rollback was under way` }
      : await watch(target, readyUrl, ready, { ...common, watchMs: u.watch, settleMs: u.settle, startedAt: watchFrom });
    // The daemon is stopping again: the record stays for the next one.
    if (deps.signal?.aborted) return { outcome: 'cancelled', message: `${head}; the daemon stopped again before it was finished` };
    if (v.kind === 'ok') {
      return finish({ outcome: 'succeeded', message: `${head}; ${rec.to} was watched after the restart, is ready and held ${u.settle} ms: kept` }, 'update.succeeded', 'resolved');
    }
    if (v.kind === 'handover') {
      return finish(
        { outcome: 'left', message: `${head}; ${v.by} turned maintenance on while ${rec.to} was watched, so it was left as it is: ${store.currentLink} -> ${rec.to}, backups in ${rec.backupDir}` },
        'update.failed',
        'critical',
        { reason: 'maintenance', handedOver: true, by: v.by, backupDir: rec.backupDir },
      );
    }
    const reason = v.kind === 'rollback' ? v.reason : 'cancelled';
    const stop = await target.request('stop', 'human');
    // As in the update itself: nothing is restored under a process that is still up.
    if (!(await stopConfirmed(target, clock, pollMs, u.watch, deps.signal))) {
      if (deps.signal?.aborted) return { outcome: 'cancelled', message: `${head}; the daemon stopped again before it was finished` };
      return finish(
        { outcome: 'failed', message: `${head}; ${rec.to} did not hold (${reason}), but ${name} did not stop (${target.phase()}: ${stop.message}), so its files were NOT switched back under it: both versions are kept (${store.currentLink} -> ${rec.to}, ${rec.from} in ${store.versionDir(rec.from)}, the files from before the update in ${rec.backupDir}); once it is stopped, \`clawback update ${name} ${rec.from}\` goes back` },
        'update.failed',
        'critical',
        { reason, notStopped: true, phase: target.phase(), backupDir: rec.backupDir },
      );
    }
    if (!decided) await markRollingBack(deps.stateDir, rec, `rollback: ${reason} (update ${WHY})`, clock.now());
    const disk = await rollBackOnDisk(store, rec.backupDir, await readBackup(rec.backupDir), rec.from, `rollback: ${reason} (update ${WHY})`, clock.now(), service);
    const restored = disk.restore;
    if (!disk.switched) {
      return finish({ outcome: 'failed', message: `${head}; ${rec.to} did not hold (${reason}), and ${disk.summary}; ${name} is left stopped` }, 'update.failed', 'critical', { reason, backupDir: rec.backupDir, problems: disk.problems });
    }
    exits.length = 0;
    const back = clock.monotonic();
    const answer = await target.restored(rec.runId, disk.notRestored);
    if (disk.notRestored.length > 0) {
      return finish(
        { outcome: 'rolled-back', message: `${head}; ${rec.to} did not hold (${reason}): rolled back to ${rec.from}, but ${disk.problems.join('; ')}: ${name} is held, not started on a mix of ${rec.from}'s and ${rec.to}'s files (${answer.message}); put the files named right, then \`clawback resume ${name}\`` },
        'update.rolled-back',
        'critical',
        { reason, healthy: false, held: true, backupDir: rec.backupDir, problems: disk.problems, ...(restored ? { restored: restored.restored, movedAside: restored.movedAside } : {}) },
      );
    }
    const w = await watch(target, readyUrl, ready, { ...common, watchMs: u.watch, settleMs: 0, startedAt: back });
    const healthy = w.kind === 'ok';
    const files = restored ? `restored ${restored.restored.length} file(s), ${restored.movedAside.length} new file(s) moved aside` : 'files left as they are';
    return finish(
      { outcome: 'rolled-back', message: `${head}; ${rec.to} did not hold (${reason}): rolled back to ${rec.from}${healthy ? ', ready' : ', which is NOT ready either'}; ${files}${disk.problems.length ? `; ${disk.problems.join('; ')}` : ''}` },
      'update.rolled-back',
      healthy && disk.problems.length === 0 ? 'warning' : 'critical',
      { reason, healthy, backupDir: rec.backupDir, problems: disk.problems, ...(restored ? { restored: restored.restored, movedAside: restored.movedAside } : {}) },
    );
  } finally {
    off();
  }
}
