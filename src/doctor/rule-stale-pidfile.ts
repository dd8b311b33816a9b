// A pid or lock file whose owner is dead makes some services refuse to start: remove it, journaling what it said.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../platform/proc.js';
import { sha256 } from '../platform/config-file.js';
import { PID_FILE_MAX_BYTES, readRegularFile } from '../platform/read-regular.js';
import type { Finding, RepairRule } from './types.js';
import { ownerInNestedPidNamespace } from './lock-owner.js';
import { keepLockCopy, lockEvidenceDir } from './rule-stale-lock.js';
import { startedAfterPidFile, stalePidFileText } from '../supervisor/pid-file-owner.js';
import { fileStamp } from '../platform/file-stamp.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export const STALE_PIDFILE = 'stale-pidfile';

/**
 * The owner pid: a JSON pid file's `pid` field (its first number may be a createdAt year or a version), else the first
 * integer in the file's text (the owner pid by convention), if any.
 */
export function ownerPid(text: string): number | undefined {
  const json = jsonObject(text);
  if (json !== undefined) {
    const pid = typeof json.pid === 'string' && /^\d+$/.test(json.pid) ? Number(json.pid) : json.pid;
    return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  }
  const m = /\d+/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trim().startsWith('{')) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readText(file: string): Promise<Buffer | undefined> {
  try {
    return await readRegularFile(file, { maxBytes: PID_FILE_MAX_BYTES });
  } catch {
    return undefined;
  }
}

function fileOf(f: Finding): string {
  return f.id.slice(STALE_PIDFILE.length + 1);
}

/** Not running here, nor as that pid in a nested pid namespace (a container writing to a shared directory). */
function ownerGone(pid: number, nested: (pid: number) => number | undefined): boolean {
  return !isAlive(pid) && nested(pid) === undefined;
}

/** The copy of a pid file about to be removed, in evidence/locks/<service>/, or why it could not be written. */
async function keepPidfileCopy(stateDir: string, service: string, file: string, content: Buffer, now: number): Promise<{ path?: string; error?: string }> {
  try {
    const dir = lockEvidenceDir(stateDir, service);
    await mkdirRecursive(dir, 0o700);
    return { path: await keepLockCopy(dir, `${fileStamp(now)}-${path.basename(file)}`, content) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export function stalePidfileRule(opts: { nested?: (pid: number) => number | undefined } = {}): RepairRule {
  const nested = opts.nested ?? ownerInNestedPidNamespace;
  return {
    id: STALE_PIDFILE,

    async detect(ctx) {
      const out: Finding[] = [];
      // The pid file another manager keeps for an external service is judged too: the daemon said it was stale (once per
      // file and pid) and `clawback doctor` found nothing.
      const ext = ctx.service.external?.pidFile;
      const files = ext !== undefined && !ctx.service.pidFiles.includes(ext) ? [...ctx.service.pidFiles, ext] : ctx.service.pidFiles;
      for (const file of files) {
        const content = await readText(file);
        if (content === undefined) continue;
        const pid = ownerPid(content.toString('utf8'));
        // No pid inside (an flock-style lock): not ours to judge.
        if (pid === undefined) continue;
        if (!ownerGone(pid, nested)) {
          // A live pid taken by a process younger than the file: the writer died and its pid was reused. Said, never
          // fixed here (the file names a live stranger: nothing is signalled, and its manager rewrites it at its start).
          if (await startedAfterPidFile(file, pid)) {
            out.push({
              id: `${STALE_PIDFILE}:${file}`,
              rule: STALE_PIDFILE,
              severity: 'warning',
              title: 'stale pid file (pid reused)',
              evidence: stalePidFileText(file, pid, 'younger'),
              fix: `the service that wrote ${file} is not running; start it (its manager rewrites the file), or remove ${file} yourself`,
              fixable: false,
            });
          }
          continue;
        }
        out.push({
          id: `${STALE_PIDFILE}:${file}`,
          rule: STALE_PIDFILE,
          severity: 'warning',
          title: 'stale pid file',
          evidence: `${file} names pid ${pid}, which is not running`,
          fix: `remove ${file}`,
          fixable: true,
        });
      }
      return out;
    },

    async fix(ctx, finding) {
      const file = fileOf(finding);
      const content = await readText(file);
      if (content === undefined) return { finding, applied: false, verified: true, message: `${file} is already gone` };
      const text = content.toString('utf8');
      const pid = ownerPid(text);
      if (pid !== undefined && !ownerGone(pid, nested)) {
        return { finding, applied: false, verified: false, message: `${file} now names live pid ${pid}; left alone` };
      }
      // Kept as it was, beside the removed locks (bounded by the same retention sweep): the journal holds only its start.
      // A state dir that cannot take the copy (a full disk) does not keep a dead owner's file blocking the start: the
      // removal goes on, and says no copy was kept.
      const kept = await keepPidfileCopy(ctx.stateDir, ctx.service.name, file, content, ctx.clock.now());
      // Compared again right before the removal: a starting instance may have rewritten it while its owner was judged.
      const again = await readText(file);
      if ((again === undefined || !again.equals(content)) && kept.path !== undefined) await fs.rm(kept.path, { force: true });
      if (again === undefined) return { finding, applied: false, verified: true, message: `${file} is already gone` };
      if (!again.equals(content)) return { finding, applied: false, verified: false, message: `${file} changed while being judged; left alone` };
      await fs.rm(file, { force: true });
      const shown = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
      return {
        finding,
        applied: true,
        verified: false,
        message: `removed ${file} (owner pid ${pid ?? '?'} not running); it contained ${shown}; ${kept.path !== undefined ? `kept as ${kept.path}` : `no copy kept (${kept.error})`}`,
        before: sha256(content),
        details: { file, evidence: kept.path ?? null, content: text.slice(0, 1000), pid: pid ?? null },
      };
    },

    async verify(_ctx, finding) {
      return (await readText(fileOf(finding))) === undefined;
    },
  };
}
