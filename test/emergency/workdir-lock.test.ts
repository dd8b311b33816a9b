// The turn lock over agent working directories: the same directory or nested ones take turns, siblings do not, and a
// dead run's lock does not keep the next one out.
import { mkdirSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { takeWorkdirLock, workdirLockPath } from '../../src/emergency/workdir-lock.js';
import { tempDir } from '../helpers/daemon.js';

function setup() {
  const dir = tempDir();
  const stateDir = path.join(dir, 'state');
  mkdirSync(path.join(stateDir, 'locks'), { recursive: true });
  for (const d of ['app/worker', 'other']) mkdirSync(path.join(dir, d), { recursive: true });
  return { dir, stateDir, clock: systemClock() };
}

it('a run in a directory inside (or holding) a held one waits; a sibling directory does not', async () => {
  const { dir, stateDir, clock } = setup();
  const app = await takeWorkdirLock(stateDir, path.join(dir, 'app'), { clock, waitMs: 0 });
  expect(app.ok).toBe(true);
  const waits: unknown[] = [];
  const inner = await takeWorkdirLock(stateDir, path.join(dir, 'app', 'worker'), { clock, waitMs: 300, onWait: (o) => waits.push(o) });
  expect(inner.ok).toBe(false);
  expect(waits).toHaveLength(1);
  expect((waits[0] as { pid: number }).pid).toBe(process.pid);
  const other = await takeWorkdirLock(stateDir, path.join(dir, 'other'), { clock, waitMs: 0 });
  expect(other.ok).toBe(true);
  if (other.ok) await other.release();
  if (app.ok) await app.release();

  const worker = await takeWorkdirLock(stateDir, path.join(dir, 'app', 'worker'), { clock, waitMs: 0 });
  expect(worker.ok).toBe(true);
  expect((await takeWorkdirLock(stateDir, path.join(dir, 'app'), { clock, waitMs: 0 })).ok).toBe(false);
  expect((await takeWorkdirLock(stateDir, dir, { clock, waitMs: 0 })).ok).toBe(false);
  // A name that only starts like it is no part of it.
  mkdirSync(path.join(dir, 'app-old'));
  const lookalike = await takeWorkdirLock(stateDir, path.join(dir, 'app-old'), { clock, waitMs: 0 });
  expect(lookalike.ok).toBe(true);
  if (lookalike.ok) await lookalike.release();
  if (worker.ok) await worker.release();
  expect(existsSync(`${await workdirLockPath(stateDir, path.join(dir, 'app', 'worker'))}.dir`)).toBe(false);
  const parent = await takeWorkdirLock(stateDir, path.join(dir, 'app'), { clock, waitMs: 0 });
  expect(parent.ok).toBe(true);
  if (parent.ok) await parent.release();
});

it('a waiting run takes its turn once the run inside its directory ends', async () => {
  const { dir, stateDir, clock } = setup();
  const worker = await takeWorkdirLock(stateDir, path.join(dir, 'app', 'worker'), { clock, waitMs: 0 });
  expect(worker.ok).toBe(true);
  const waiting = takeWorkdirLock(stateDir, path.join(dir, 'app'), { clock, waitMs: 60_000 });
  setTimeout(() => void (worker.ok && worker.release()), 500);
  const app = await waiting;
  expect(app.ok).toBe(true);
  if (app.ok) await app.release();
});

it("a dead run's lock on a nested directory does not keep the next run out", async () => {
  const { dir, stateDir, clock } = setup();
  const worker = realpathSync(path.join(dir, 'app', 'worker'));
  const file = await workdirLockPath(stateDir, worker);
  // pid 2^22+1 is above pid_max's default and never alive.
  writeFileSync(file, JSON.stringify({ pid: 4_194_305, startTime: null, acquiredAt: 0, token: 'dead' }));
  writeFileSync(`${file}.dir`, `${worker}\n`);
  const app = await takeWorkdirLock(stateDir, path.join(dir, 'app'), { clock, waitMs: 0 });
  expect(app.ok).toBe(true);
  expect(existsSync(`${file}.dir`)).toBe(false);
  if (app.ok) await app.release();
});
