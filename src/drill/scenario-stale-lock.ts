// The stale-lock drill: the service dies by SIGKILL and leaves its lock behind; the doctor must remove it (owner gone) and nothing else.
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import { processStartTime } from '../platform/proc.js';
import { lockEvidenceDir } from '../doctor/rule-stale-lock.js';
import { instanceOf, signalInstance, waitForEvent, waitServedByNewInstance, waitBound, type DrillContext, type Scenario, type ScenarioRun } from './drill-context.js';
import { formatMs } from './drill-report.js';

/** The first lock file the service lists by exact path (a glob cannot be planted). */
export function lockFileOf(ctx: DrillContext): string | undefined {
  return ctx.target.service.lockFiles.find((f) => !/[*?]/.test(f));
}

export const staleLockScenario: Scenario = {
  name: 'stale-lock',
  notApplicable(ctx) {
    return lockFileOf(ctx) ? undefined : 'not applicable: the service lists no lock file by exact path (lockFiles)';
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const file = lockFileOf(ctx)!;
    const inst = instanceOf(before)!;
    const pid = inst.pid;
    const startTime = inst.startTime ?? processStartTime(pid);
    const notes: string[] = [];
    const faultAt = ctx.clock.now();
    signalInstance(inst, 'SIGKILL');
    // A service that keeps its lock leaves it behind by itself; for one that does not, the drill plants what it would have left.
    const left = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (left === undefined) {
      await fs.writeFile(file, JSON.stringify({ pid, createdAt: new Date(faultAt).toISOString(), ...(startTime !== undefined ? { startTime } : {}) }));
      notes.push(`the service left no lock: planted ${file} naming the killed pid ${pid}`);
      // Synchronous, as every undo step is: a Ctrl-C (a second one exits at once) must not outrun it.
      ctx.restore.push(`remove the planted lock ${file}`, () => {
        let now: string | undefined;
        try {
          now = readFileSync(file, 'utf8');
        } catch {
          now = undefined;
        }
        if (now?.includes(`"pid":${pid}`)) rmSync(file, { force: true });
      });
    } else {
      notes.push(`the killed pid ${pid} left ${file} behind`);
    }
    const repaired = await waitForEvent(ctx, faultAt, (e) => e.type === 'doctor.repair' && (e.details as { rule?: string } | undefined)?.rule === 'stale-lock' && e.message.includes(file));
    const back = await waitServedByNewInstance(ctx, [inst]);
    const kept = await fs.readdir(lockEvidenceDir(ctx.target.stateDir, ctx.target.service.name)).catch(() => [] as string[]);
    const parts = [
      repaired ? `the doctor removed the stale lock after ${formatMs(repaired.time - faultAt)}` : 'the doctor did NOT remove the stale lock',
      kept.length > 0 ? `kept as evidence (${kept.length} in evidence/locks)` : 'NO evidence kept',
      back !== undefined ? 'serving again' : `not serving ${waitBound(ctx)}`,
    ];
    return {
      faultAt,
      recovered: back !== undefined,
      recoverMs: back === undefined ? null : back - faultAt,
      recoverFrom: 'fault',
      asExpected: repaired !== undefined && kept.length > 0 && back !== undefined,
      outcome: parts.join('; '),
      notes,
    };
  },
};
