// A lock glob's wildcard never leads the doctor through a directory link into another install: its locks are not
// removed, nor is its live gateway taken for one owning this service's state dir (real processes, real files).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { lockEvidenceDir, staleLockRule } from '../../src/doctor/rule-stale-lock.js';
import { openclawStateOwnerRule } from '../../src/doctor/rule-openclaw-state-owner.js';
import { expandPathGlob } from '../../src/doctor/path-glob.js';
import { isAlive } from '../../src/platform/proc.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('lock globs and directory links (real doctor runs)', () => {
  let fx: DoctorFixture;
  let own: string;
  let other: string;
  const children: MarkedChild[] = [];
  beforeEach(async () => {
    fx = await makeFixture();
    // This service's OpenClaw state dir, and another install's; a link in ours points into theirs.
    own = path.join(fx.dir, 'oc-own', 'tmp', 'openclaw-1000');
    other = path.join(fx.dir, 'oc-other', 'tmp', 'openclaw-1000');
    await fs.mkdir(own, { recursive: true });
    await fs.mkdir(other, { recursive: true });
    await fs.symlink(other, path.join(fx.dir, 'oc-own', 'tmp', 'openclaw-linked'));
    fx.withService({ lockFiles: [path.join(fx.dir, 'oc-own', 'tmp', 'openclaw-*', 'gateway.*.lock')] });
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill();
      await c.waitForExit(5000).catch(() => undefined);
    }
    await fx.cleanup();
  });

  /** A lock naming a process that has exited. */
  const deadLock = async (file: string): Promise<string> => {
    const c = spawnMarked(process.execPath, [path.join(FIXTURES, 'hold-lock.mjs'), file]);
    children.push(c);
    await c.waitForStdout('ready', 15_000);
    c.child.kill('SIGKILL');
    await c.waitForExit(5000);
    return fs.readFile(file, 'utf8');
  };

  it("doctor --fix removes this install's stale lock and leaves the one reached through the link", async () => {
    const mine = path.join(own, 'gateway.aaaa.lock');
    const theirs = path.join(other, 'gateway.bbbb.lock');
    await deadLock(mine);
    const theirBytes = await deadLock(theirs);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [staleLockRule()] });
    expect(report.findings.map((f) => f.id)).toEqual([`stale-lock:${mine}`]);
    await expect(fs.access(mine)).rejects.toThrow();
    expect(await fs.readFile(theirs, 'utf8')).toBe(theirBytes);
  });

  it('a directory swapped for a link between detect and fix: the fix checks the path again and removes nothing', async () => {
    const name = 'gateway.aaaa.lock';
    const mine = path.join(own, name);
    const theirs = path.join(other, name);
    await deadLock(mine);
    const theirBytes = await deadLock(theirs);
    const rule = staleLockRule();
    const ctx = fx.ctx();
    const [finding] = await rule.detect(ctx);
    expect(finding!.id).toBe(`stale-lock:${mine}`);
    // Between detect and fix, this install's run dir becomes a link into the other install (its lock of the same name).
    await fs.rename(own, path.join(fx.dir, 'own-moved'));
    await fs.symlink(other, own);
    const outcome = await rule.fix(ctx, finding!);
    expect(outcome.applied).toBe(false);
    expect(outcome.message).toContain('left alone');
    expect(await fs.readFile(theirs, 'utf8')).toBe(theirBytes);
    expect(await fs.readdir(lockEvidenceDir(fx.stateDir, 'gateway')).catch(() => [])).toEqual([]);
  });

  it("another install's live gateway behind the link is not named as owning this state dir (no blocking finding)", async () => {
    const c = spawnMarked(process.execPath, [path.join(FIXTURES, 'hold-state-lock.mjs'), path.join(other, 'gateway.state.lock'), path.dirname(path.dirname(other))]);
    children.push(c);
    await c.waitForStdout(/ready \d+/, 20_000);
    expect(await openclawStateOwnerRule().detect(fx.ctx())).toEqual([]);
    expect(isAlive(c.pid)).toBe(true);
  });

  it('a link past the wildcard (a literal segment after it, or the file itself) is not followed; the exact part before it may be one', async () => {
    const base = path.join(fx.dir, 'g');
    await fs.mkdir(path.join(base, 'agents', 'a', 'agent'), { recursive: true });
    await fs.mkdir(path.join(base, 'agents', 'b'), { recursive: true });
    await fs.mkdir(path.join(fx.dir, 'elsewhere', 'agent'), { recursive: true });
    await fs.writeFile(path.join(base, 'agents', 'a', 'agent', 'db.sqlite'), 'a');
    await fs.writeFile(path.join(fx.dir, 'elsewhere', 'agent', 'db.sqlite'), 'x');
    await fs.writeFile(path.join(fx.dir, 'elsewhere', 'file.sqlite'), 'y');
    await fs.symlink(path.join(fx.dir, 'elsewhere', 'agent'), path.join(base, 'agents', 'b', 'agent'));
    await fs.symlink(path.join(fx.dir, 'elsewhere', 'file.sqlite'), path.join(base, 'agents', 'a', 'agent', 'link.sqlite'));
    await fs.symlink(base, path.join(fx.dir, 'g-link'));
    const want = [path.join(base, 'agents', 'a', 'agent', 'db.sqlite')];
    expect(await expandPathGlob(path.join(base, 'agents', '*', 'agent', '*.sqlite'))).toEqual(want);
    // Through a link before the first wildcard: found, named by the path as written.
    expect(await expandPathGlob(path.join(fx.dir, 'g-link', 'agents', '*', 'agent', '*.sqlite'))).toEqual([path.join(fx.dir, 'g-link', 'agents', 'a', 'agent', 'db.sqlite')]);
  });
});
