// Directories the service needs (requiredDirs) that vanished are recreated, private (0700).
import { promises as fs } from 'node:fs';
import type { Finding, RepairRule } from './types.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export const MISSING_DIRS = 'missing-dirs';

type DirState = 'dir' | 'missing' | 'not-a-dir';

async function dirState(p: string): Promise<DirState> {
  try {
    return (await fs.stat(p)).isDirectory() ? 'dir' : 'not-a-dir';
  } catch {
    return 'missing';
  }
}

function dirOf(f: Finding): string {
  return f.id.slice(MISSING_DIRS.length + 1);
}

export function missingDirsRule(opts: { mode?: number } = {}): RepairRule {
  const mode = opts.mode ?? 0o700;
  return {
    id: MISSING_DIRS,

    async detect(ctx) {
      const out: Finding[] = [];
      for (const dir of ctx.service.requiredDirs) {
        const state = await dirState(dir);
        if (state === 'dir') continue;
        out.push(
          state === 'missing'
            ? { id: `${MISSING_DIRS}:${dir}`, rule: MISSING_DIRS, severity: 'warning', title: 'required directory missing', evidence: `${dir} does not exist`, fix: `create ${dir} (mode ${mode.toString(8)})`, fixable: true }
            : { id: `${MISSING_DIRS}:${dir}`, rule: MISSING_DIRS, severity: 'critical', title: 'required directory is a file', evidence: `${dir} exists but is not a directory`, fix: `move ${dir} aside by hand`, fixable: false },
        );
      }
      return out;
    },

    async fix(_ctx, finding) {
      const dir = dirOf(finding);
      const state = await dirState(dir);
      if (state === 'dir') return { finding, applied: false, verified: true, message: `${dir} exists again` };
      if (state === 'not-a-dir') return { finding, applied: false, verified: false, message: `${dir} is not a directory; left alone` };
      await mkdirRecursive(dir, mode);
      // mkdir applies the umask; set the mode we promised on the leaf.
      await fs.chmod(dir, mode);
      return { finding, applied: true, verified: false, message: `created ${dir} (mode ${mode.toString(8)})`, details: { dir } };
    },

    async verify(_ctx, finding) {
      return (await dirState(dirOf(finding))) === 'dir';
    },
  };
}
