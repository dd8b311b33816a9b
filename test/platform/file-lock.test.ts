// The lock file: exclusive across holders, taken over from dead or recycled owners, released idempotently.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileLock, isLockAbandoned } from '../../src/platform/file-lock.js';
import { processStartTime } from '../../src/platform/proc.js';
import { systemClock } from '../../src/platform/clock.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { HOUR, steppableClock } from '../helpers/clock.js';

const EXIT_WITH = fileURLToPath(new URL('../fixtures/exit-with.mjs', import.meta.url));
const SLEEPER = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));
const WATCH_LOCK_TEXT = fileURLToPath(new URL('../fixtures/watch-lock-text.mjs', import.meta.url));

let dir: string;
let lockPath: string;
const children: MarkedChild[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'clawback-lock-'));
  lockPath = path.join(dir, 'x.lock');
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const c = spawnMarked(process.execPath, [EXIT_WITH, '0']);
  await c.waitForExit(5000);
  return c.pid;
}

describe('FileLock', () => {
  it('is exclusive and writes its owner into the file', async () => {
    const a = new FileLock(lockPath);
    const b = new FileLock(lockPath);
    expect(await a.acquire()).toBe(true);
    expect(a.held).toBe(true);
    expect(await b.acquire()).toBe(false);
    const owner = JSON.parse(await readFile(lockPath, 'utf8'));
    expect(owner.pid).toBe(process.pid);
    expect(owner.startTime).toBe(processStartTime(process.pid));
    await a.release();
    expect(await b.acquire()).toBe(true);
    await b.release();
  });

  it('release is idempotent and never removes a lock it does not hold', async () => {
    const a = new FileLock(lockPath);
    const b = new FileLock(lockPath);
    await a.release();
    expect(await a.acquire()).toBe(true);
    await a.release();
    await a.release();
    expect(await b.acquire()).toBe(true);
    await a.release();
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(process.pid);
    await b.release();
  });

  it('waits up to timeoutMs for the holder to release', async () => {
    const a = new FileLock(lockPath);
    const b = new FileLock(lockPath, { pollMs: 20 });
    await a.acquire();
    setTimeout(() => void a.release(), 150);
    expect(await b.acquire({ timeoutMs: 5000 })).toBe(true);
    await b.release();
    const c = new FileLock(lockPath, { pollMs: 20 });
    await b.acquire();
    const t0 = performance.now();
    expect(await c.acquire({ timeoutMs: 200 })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    await b.release();
  });

  it('takes over a lock whose owner is dead', async () => {
    const pid = await deadPid();
    await writeFile(lockPath, JSON.stringify({ pid, startTime: 1, acquiredAt: 0, token: 'old' }));
    const a = new FileLock(lockPath);
    expect(await a.acquire()).toBe(true);
    expect(JSON.parse(await readFile(lockPath, 'utf8')).token).not.toBe('old');
    await a.release();
  });

  it('lets exactly one of many contenders take over an abandoned lock', async () => {
    const pid = await deadPid();
    for (let round = 0; round < 5; round++) {
      await writeFile(lockPath, JSON.stringify({ pid, startTime: 1, acquiredAt: 0, token: 'old' }));
      const locks = Array.from({ length: 8 }, () => new FileLock(lockPath));
      const won = await Promise.all(locks.map((l) => l.acquire()));
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = locks[won.indexOf(true)]!;
      expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(process.pid);
      await winner.release();
      await rm(`${lockPath}.takeover`, { force: true });
    }
  });

  it('is never seen empty or half-written by another process reading it while it is taken and released', async () => {
    const { execFile } = await import('node:child_process');
    const watcher = new Promise<{ seen: number; torn: number }>((resolve, reject) =>
      execFile(process.execPath, [WATCH_LOCK_TEXT, lockPath, '2500'], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout)))),
    );
    const until = Date.now() + 2000;
    const lock = new FileLock(lockPath);
    while (Date.now() < until) {
      expect(await lock.acquire()).toBe(true);
      await lock.release();
    }
    const { seen, torn } = await watcher;
    expect(seen).toBeGreaterThan(0);
    expect(torn).toBe(0);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock whose pid was recycled, but not one whose owner lives', async () => {
    const live = spawnMarked(process.execPath, [SLEEPER]);
    children.push(live);
    await live.waitForStdout('ready');
    const start = processStartTime(live.pid)!;
    await writeFile(lockPath, JSON.stringify({ pid: live.pid, startTime: start, acquiredAt: 0, token: 'live' }));
    expect(await new FileLock(lockPath).acquire()).toBe(false);
    await writeFile(lockPath, JSON.stringify({ pid: live.pid, startTime: start - 5, acquiredAt: 0, token: 'recycled' }));
    const a = new FileLock(lockPath);
    expect(await a.acquire()).toBe(true);
    await a.release();
  });

  it('treats an unreadable lock file as held until it is old', async () => {
    await writeFile(lockPath, '');
    expect(await new FileLock(lockPath).acquire()).toBe(false);
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath, old, old);
    const a = new FileLock(lockPath, { unreadableStaleMs: 2000 });
    expect(await a.acquire()).toBe(true);
    await a.release();
  });

  it('takes over an unreadable lock dated in the future (the clock was set back an hour since it was left)', async () => {
    // A daemon killed between creating its lock and writing it, then the clock set back: the empty file is an hour
    // "younger than now"; it kept every new daemon out for the hour ("a lock left unreadable is taken over after 10 s").
    await writeFile(lockPath, '');
    const clock = steppableClock();
    clock.step(-HOUR);
    const a = new FileLock(lockPath, { clock, unreadableStaleMs: 2000 });
    expect(await a.acquire()).toBe(true);
    await a.release();
    // A lock being written right now (dated now) is still someone's.
    await writeFile(lockPath, '');
    expect(await new FileLock(lockPath, { clock: steppableClock() }).acquire()).toBe(false);
  });

  it('does not take over a live owner\'s lock caught mid-write when the wall clock stepped either way', async () => {
    // The owner has created its lock (O_EXCL) and not yet written it; the wall clock stepped an hour since. The wall
    // age alone called the empty file abandoned and a second holder took the lock: two owners.
    const owner = spawnMarked(process.execPath, [SLEEPER]);
    children.push(owner);
    await owner.waitForStdout('ready');
    for (const step of [HOUR, -HOUR]) {
      await writeFile(lockPath, '');
      const base = steppableClock();
      base.step(step);
      // The owner finishes its write while the contender looks again (event-driven: when the contender first waits).
      const clock = {
        ...base,
        sleep: async (ms: number, signal?: AbortSignal) => {
          await writeFile(lockPath, JSON.stringify({ pid: owner.pid, startTime: null, acquiredAt: base.now(), token: `owner${step}` }));
          return base.sleep(ms, signal);
        },
      };
      const contender = new FileLock(lockPath, { clock, unreadableStaleMs: 2000 });
      expect(await contender.acquire()).toBe(false);
      expect(JSON.parse(await readFile(lockPath, 'utf8')).token).toBe(`owner${step}`);
      await rm(lockPath, { force: true });
    }
  });

  it('takes over an unreadable lock watched unchanged for the stale time, whatever the wall clock says', async () => {
    await writeFile(lockPath, '');
    // The wall clock stands at the file's date (stepped back as fast as time passes): by the wall it never ages, and
    // it kept every contender out for as long as the steps went on.
    const mtime = (await stat(lockPath)).mtimeMs;
    const clock = { ...systemClock(), now: () => mtime };
    const a = new FileLock(lockPath, { clock, pollMs: 20, unreadableStaleMs: 300 });
    expect(await a.acquire({ timeoutMs: 10_000 })).toBe(true);
    await a.release();
  });

  it('isLockAbandoned decides from owner, liveness and age', () => {
    const deps = { isAlive: (p: number) => p === 1, startTimeOf: () => 10, unreadableStaleMs: 1000 };
    const age = (wallMs: number, watchedMs = 0) => ({ wallMs, watchedMs });
    expect(isLockAbandoned(null, age(500), deps)).toBe(false);
    // Old by the wall clock, dated in the future, or neither: abandoned once watched unchanged for the stale time.
    expect(isLockAbandoned(null, age(1500), deps)).toBe(false);
    expect(isLockAbandoned(null, age(-3_600_000), deps)).toBe(false);
    expect(isLockAbandoned(null, age(1500, 999), deps)).toBe(false);
    expect(isLockAbandoned(null, age(1500, 1000), deps)).toBe(true);
    expect(isLockAbandoned(null, age(-3_600_000, 1000), deps)).toBe(true);
    expect(isLockAbandoned(null, age(-20, 1000), deps)).toBe(true);
    const t = (pid: number, startTime: number | null) => ({ pid, startTime, acquiredAt: 0, token: 't' });
    expect(isLockAbandoned(t(2, 10), age(0), deps)).toBe(true);
    expect(isLockAbandoned(t(1, 10), age(0), deps)).toBe(false);
    expect(isLockAbandoned(t(1, 11), age(0), deps)).toBe(true);
    expect(isLockAbandoned(t(1, null), age(0), deps)).toBe(false);
  });
});
