// Two daemons with their own state dirs whose services share one folder: the folder lock lives where every daemon of
// this user sees it (<tmp>/clawback-<uid>/agent-dirs), so their agent runs take turns there too.
import { chownSync, mkdirSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { takeWorkdirLock } from '../../src/emergency/workdir-lock.js';
import { tempDir } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

it("a run of a daemon with another state dir waits for the folder a first daemon's run holds, then takes it", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const shared = path.join(dir, 'shared');
  const stateA = path.join(dir, 'state-a');
  const stateB = path.join(dir, 'state-b');
  for (const d of [shared, stateA, stateB]) mkdirSync(d, { recursive: true });
  const clock = systemClock();
  const a = await takeWorkdirLock(stateA, shared, { clock, waitMs: 0 });
  expect(a.ok).toBe(true);
  const waits: unknown[] = [];
  const b = await takeWorkdirLock(stateB, path.join(shared, '.'), { clock, waitMs: 500, onWait: (o) => waits.push(o) });
  expect(b.ok).toBe(false);
  expect(waits).toHaveLength(1);
  if (a.ok) await a.release();
  const again = await takeWorkdirLock(stateB, shared, { clock, waitMs: 5_000 });
  expect(again.ok).toBe(true);
  if (again.ok) await again.release();
});

it("a dead daemon's lock on the shared folder (another state dir) does not keep the next daemon's run out", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const shared = path.join(dir, 'shared');
  const stateA = path.join(dir, 'state-a');
  const stateB = path.join(dir, 'state-b');
  for (const d of [shared, stateA, stateB]) mkdirSync(d, { recursive: true });
  // Daemon A (a process of its own, built code) takes the folder and is killed holding it.
  const src = path.resolve('dist/emergency/workdir-lock.js');
  const script = `const { takeWorkdirLock } = await import(${JSON.stringify(src)});\nconst { systemClock } = await import(${JSON.stringify(path.resolve('dist/platform/clock.js'))});\nconst r = await takeWorkdirLock(process.argv[1], process.argv[2], { clock: systemClock(), waitMs: 0 });\nconsole.log(r.ok ? 'held' : 'refused');\nsetInterval(() => {}, 1000);\n`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, stateA, shared], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitFor(() => out.includes('held') || out.includes('refused') || undefined, { timeoutMs: 30_000 });
    expect(out).toContain('held');
    const clock = systemClock();
    const b = await takeWorkdirLock(stateB, shared, { clock, waitMs: 300 });
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.owner?.pid).toBe(child.pid);
  } finally {
    child.kill('SIGKILL');
  }
  await exited;
  const c = await takeWorkdirLock(stateB, shared, { clock: systemClock(), waitMs: 5_000 });
  expect(c.ok).toBe(true);
  if (c.ok) await c.release();
});

it.runIf(process.getuid?.() === 0)("where the shared locks dir is another user's, the state dir's locks serve, and the outcome says why", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const shared = path.join(dir, 'shared');
  const stateA = path.join(dir, 'state-a');
  const tmp = path.join(dir, 'tmp');
  for (const d of [shared, stateA, tmp]) mkdirSync(d, { recursive: true });
  // <tmp>/clawback-<uid> made by another user first (root here makes it so).
  const claims = path.join(tmp, `clawback-${process.getuid!()}`);
  mkdirSync(claims, { mode: 0o700 });
  chownSync(claims, 4321, 4321);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    const a = await takeWorkdirLock(stateA, shared, { clock: systemClock(), waitMs: 0 });
    expect(a.ok).toBe(true);
    if (a.ok) {
      expect(a.notShared).toContain('belongs to uid 4321');
      expect(readdirSync(path.join(stateA, 'locks')).some((n) => n.startsWith('emergency-dir-'))).toBe(true);
      await a.release();
    }
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
});
