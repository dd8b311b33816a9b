// A folder the daemon makes on a read-only mount (a real read-only bind mount): Node's recursive mkdir answers ENOENT
// there, and the daemon's start failure read "no such file or directory … it was removed or renamed". Every recursive
// mkdir of src goes through one helper that names the real cause (EROFS).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirRecursive, mkdirRecursiveSync } from '../../src/platform/mkdir-cause.js';
import { ensurePrivateDir } from '../../src/platform/private-dir.js';
import { JournalWriter } from '../../src/observe/journal.js';

let src: string;
let ro: string;
beforeAll(() => {
  src = mkdtempSync(path.join(os.tmpdir(), 'clawback-ro-src-'));
  ro = mkdtempSync(path.join(os.tmpdir(), 'clawback-ro-'));
  mkdirSync(path.join(src, 'there'));
  execFileSync('mount', ['--bind', src, ro], { stdio: 'pipe' });
  execFileSync('mount', ['-o', 'remount,bind,ro', ro], { stdio: 'pipe' });
});
afterAll(() => {
  execFileSync('umount', [ro], { stdio: 'pipe' });
  rmSync(ro, { recursive: true, force: true });
  rmSync(src, { recursive: true, force: true });
});

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
};

it('a state dir, a deep folder and a journal on a read-only mount: EROFS, not ENOENT; an existing folder is fine', async () => {
  expect(code(() => ensurePrivateDir(path.join(ro, 'state')))).toBe('EROFS');
  expect(code(() => mkdirRecursiveSync(path.join(ro, 'a', 'b', 'c'), 0o700))).toBe('EROFS');
  expect(await mkdirRecursive(path.join(ro, 'a', 'b'), 0o700).then(() => undefined, (e: NodeJS.ErrnoException) => e.code)).toBe('EROFS');
  expect(code(() => new JournalWriter(path.join(ro, 'logs', 'journal.jsonl')))).toBe('EROFS');
  expect(mkdirRecursiveSync(path.join(ro, 'there'), 0o700)).toBeUndefined();
});
