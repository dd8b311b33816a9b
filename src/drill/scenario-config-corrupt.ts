// Level 2 drill: break the watched config and kill the service; the doctor must bring back last-known-good. The user's bytes always come back.
import { accessSync, constants, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { snapshotStoreFor } from '../doctor/snapshot-store.js';
import { evidenceNames, guardFile, handOverGuard, noteDrillWrite, releaseGuard, removeDrillEvidence, restoreIfDrills, sha256Of } from './file-guard.js';
import { drillBackupRoot } from './drill-leftovers.js';
import { stateDirOwner } from './backup-root.js';
import { instanceOf, signalInstance, waitForEvent, waitServedByNewInstance, waitSteady, waitBound, type DrillContext, type Scenario, type ScenarioRun } from './drill-context.js';
import { pollUntil } from './poll.js';

export const CORRUPTIONS = ['truncate', 'garble', 'delete'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

/** The broken bytes for a corruption (undefined: the file is deleted). Deterministic, so reruns break it the same way. */
export function corruptBytes(kind: Corruption, original: Buffer): Buffer | undefined {
  switch (kind) {
    case 'truncate':
      return original.subarray(0, Math.floor(original.length / 2));
    case 'garble':
      return Buffer.from('\u0000clawback drill: garbled config {{{ ]]] ::: "\n', 'utf8');
    case 'delete':
      return undefined;
  }
}

/** Waits (bounded) for a last-known-good snapshot, preferring one of the current bytes. */
async function lastKnownGood(ctx: DrillContext, currentSha: string): Promise<'current' | 'older' | 'none'> {
  const store = snapshotStoreFor(ctx.target.stateDir, ctx.target.service);
  const list = async () => (await store.list('last-known-good').catch(() => [])) ?? [];
  const waitMs = Math.min(ctx.timeoutMs, ctx.target.service.doctor.snapshotAfter + 10_000);
  const same = await pollUntil(async () => (await list()).some((e) => e.sha256 === currentSha), { clock: ctx.clock, timeoutMs: waitMs, intervalMs: 250 });
  if (same) return 'current';
  return (await list()).length > 0 ? 'older' : 'none';
}

export const configCorruptScenario: Scenario = {
  name: 'config-corrupt',
  notApplicable(ctx) {
    return ctx.target.service.configFile ? undefined : 'not applicable: the service has no configFile';
  },
  async run(ctx, trial, before): Promise<ScenarioRun> {
    const file = ctx.target.service.configFile!.path;
    // Up front, before a byte is touched: a file the drill could break but not put back (or not break at all) is refused plainly.
    const unwritable = notWritable(file);
    if (unwritable) {
      return { faultAt: ctx.clock.now(), recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome: `refused, nothing changed: ${unwritable}`, notes: [] };
    }
    const guard = guardFile(file, drillBackupRoot(ctx.target.stateDir), stateDirOwner(ctx.target.stateDir));
    const notes: string[] = [];
    if (guard.content === undefined) {
      return { faultAt: ctx.clock.now(), recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome: `${file} does not exist before the drill`, notes };
    }
    const kind = CORRUPTIONS[(trial - 1) % CORRUPTIONS.length]!;
    const garbage = corruptBytes(kind, guard.content);
    // What the drill or the doctor may have left in the file (its garbage, a last-known-good copy): only over these do
    // the user's bytes go back; a file edited since (fixed, re-tokened by a person) is left as it is.
    const ours = new Set<string>(garbage ? [sha256Of(garbage)] : []);
    let leftAlone = false;
    const putBack = ctx.restore.push(`restore ${file}`, () => {
      if (restoreIfDrills(guard, ours, garbage === undefined) === 'left') leftAlone = true;
      else releaseGuard(guard);
    });
    const evidenceBefore = evidenceNames(guard.realPath);
    /** The bytes the recovered instance started with, when they are not the user's. */
    let ranWith: Buffer | undefined;
    try {
      const lkg = await lastKnownGood(ctx, sha256Of(guard.content));
      // Listed before the fault: a copy taken later may be of a person's edit, which is theirs, not the doctor's.
      for (const sha of await lastKnownGoodShas(ctx)) ours.add(sha);
      if (lkg === 'older') notes.push('the newest last-known-good snapshot is older than the current config');
      if (lkg === 'none') notes.push('no last-known-good snapshot: the expected outcome is an escalation to a human');
      const inst = instanceOf(before)!;
      const pid = inst.pid;
      const faultAt = ctx.clock.now();
      noteDrillWrite(guard, garbage);
      if (garbage === undefined) rmSync(guard.realPath, { force: true });
      else writeFileSync(guard.realPath, garbage);
      signalInstance(inst, 'SIGKILL');
      const what = `${kind} ${file}, SIGKILL pid ${pid}`;

      if (lkg !== 'none') {
        const back = await waitServedByNewInstance(ctx, [inst]);
        if (back === undefined) return { faultAt, recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome: `${what}: not serving ${waitBound(ctx)}`, notes };
        let restored = 'the file was not restored by the doctor';
        try {
          const now = readFileSync(guard.realPath);
          restored = now.equals(guard.content) ? 'the doctor put back the same bytes' : 'the doctor put back an older last-known-good';
          if (!now.equals(guard.content)) ranWith = now;
        } catch {
          // still missing
        }
        return { faultAt, recovered: true, recoverMs: back - faultAt, recoverFrom: 'fault', asExpected: true, outcome: `${what}: ${restored}; serving`, notes };
      }

      // No last-known-good: the ladder must stop and call a human rather than loop.
      const escalated = await waitForEvent(ctx, faultAt, (e) => e.type === 'incident.escalated');
      const releaseAt = ctx.clock.now();
      putBack();
      await ctx.link.action(ctx.target.service.name, 'resume');
      const back = await waitServedByNewInstance(ctx, [inst]);
      return {
        faultAt,
        recovered: back !== undefined,
        recoverMs: back === undefined ? null : back - releaseAt,
        recoverFrom: 'release',
        asExpected: escalated !== undefined && back !== undefined,
        outcome: `${what}: ${escalated ? 'escalated to a human' : 'NOT escalated'}; ${back !== undefined ? 'serving after the restore and resume' : 'not serving after the restore and resume'}`,
        notes,
      };
    } finally {
      putBack();
      if (leftAlone) {
        notes.push(`${file} changed during the drill (neither the drill's bytes nor the doctor's restore: a person's edit?): left as it is; your bytes from before the drill are kept in ${guard.backupPath}`);
        handOverGuard(guard);
        ranWith = undefined;
      }
      const removed = removeDrillEvidence(guard.realPath, evidenceBefore, garbage);
      if (removed.length) notes.push(`removed ${removed.length} evidence file(s) of the drill's own garbage`);
      releaseGuard(guard);
      if (ranWith) await rejoinUserConfig(ctx, guard.content, notes);
    }
  },
};

/** The sha-256 of every last-known-good copy of the service's config (what the doctor restores from). */
async function lastKnownGoodShas(ctx: DrillContext): Promise<string[]> {
  const store = snapshotStoreFor(ctx.target.stateDir, ctx.target.service);
  return ((await store.list('last-known-good').catch(() => [])) ?? []).map((e) => e.sha256);
}

/**
 * If the doctor restored an older last-known-good, the file now has the user's bytes again (put back by
 * the guard) but the running instance read the older ones: restart it gracefully so it runs the user's config.
 */
async function rejoinUserConfig(ctx: DrillContext, original: Buffer, notes: string[]): Promise<void> {
  await ctx.link.action(ctx.target.service.name, 'restart').catch(() => undefined);
  await waitSteady(ctx);
  notes.push(`restarted the service on your config (${original.length} bytes) after the drill`);
}

/** Why the drill cannot write (and put back) the config file or its directory, or undefined when it can. */
export function notWritable(file: string): string | undefined {
  for (const target of [file, path.dirname(file)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'ENOENT' && target === file) continue;
      const why = code === 'EPERM' ? 'immutable (chattr +i; see lsattr)' : code === 'EROFS' ? 'on a read-only filesystem' : code === 'EACCES' ? 'not writable by this user' : (err as Error).message;
      return `${target} cannot be written (${code}: ${why}): the drill could not break it and put it back; make it writable (e.g. chattr -i) or leave config-corrupt out`;
    }
  }
  return undefined;
}
