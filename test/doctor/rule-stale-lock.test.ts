import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { staleLockRule, lockEvidenceDir } from '../../src/doctor/rule-stale-lock.js';
import { judgeOwner, parseLock } from '../../src/doctor/lock-owner.js';
import { processStartTime } from '../../src/platform/proc.js';
import { systemClock } from '../../src/platform/clock.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A daemon that started agoMs ago, with the wall clock not stepped since. */
function daemonStartedAgo(agoMs: number, wallOffsetMs = 0): { wall: number; boot: number } {
  const clock = systemClock();
  return { wall: clock.now() - agoMs + wallOffsetMs, boot: clock.sinceBoot!() - agoMs };
}

describe('stale-lock rule (real processes)', () => {
  let fx: DoctorFixture;
  const children: MarkedChild[] = [];
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.child.kill('SIGKILL');
      await c.waitForExit(5000).catch(() => undefined);
    }
    await fx.cleanup();
  });

  const holder = async (lockFile: string): Promise<MarkedChild> => {
    const c = spawnMarked(process.execPath, [path.join(FIXTURES, 'hold-lock.mjs'), lockFile]);
    children.push(c);
    await c.waitForStdout('ready', 15_000);
    return c;
  };

  it('removes the lock of a killed process (kept as evidence) and keeps the lock of a live one, through a glob', async () => {
    const lockDir = path.join(fx.dir, 'tmp', 'openclaw-1000');
    await fs.mkdir(lockDir, { recursive: true });
    const killedLock = path.join(lockDir, 'gateway.0a1b2c3d.lock');
    const liveLock = path.join(lockDir, 'gateway.state.lock');
    const killed = await holder(killedLock);
    killed.child.kill('SIGKILL');
    await killed.waitForExit(5000);
    await holder(liveLock);
    const killedBytes = await fs.readFile(killedLock, 'utf8');
    const liveBytes = await fs.readFile(liveLock, 'utf8');
    fx.withService({ lockFiles: [path.join(fx.dir, 'tmp', 'openclaw-*', 'gateway.*.lock')] });

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [staleLockRule()] });
    expect(report.findings.map((f) => f.id)).toEqual([`stale-lock:${killedLock}`]);
    expect(report.findings[0]!.evidence).toContain(`pid ${killed.pid} is not running`);
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    await expect(fs.access(killedLock)).rejects.toThrow();
    expect(await fs.readFile(liveLock, 'utf8')).toBe(liveBytes);
    const kept = await fs.readdir(lockEvidenceDir(fx.stateDir, 'gateway'));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/gateway\.0a1b2c3d\.lock$/);
    expect(await fs.readFile(path.join(lockEvidenceDir(fx.stateDir, 'gateway'), kept[0]!), 'utf8')).toBe(killedBytes);
    const repair = fx.events.find((e) => e.type === 'doctor.repair');
    expect(repair?.details).toMatchObject({ rule: 'stale-lock', pid: killed.pid });
  });

  it('pid reuse: a live pid whose start time differs from the recorded one is not the owner; the same start time is', async () => {
    const other = await holder(path.join(fx.dir, 'ignored.lock'));
    const realStart = processStartTime(other.pid)!;
    const reused = path.join(fx.dir, 'reused.lock');
    const owned = path.join(fx.dir, 'owned.lock');
    const bare = path.join(fx.dir, 'bare.lock');
    await fs.writeFile(reused, JSON.stringify({ pid: other.pid, createdAt: new Date().toISOString(), startTime: realStart - 5 }));
    await fs.writeFile(owned, JSON.stringify({ pid: other.pid, createdAt: new Date().toISOString(), startTime: realStart }));
    // A bare pid written an hour before the live process started: that pid was reused since.
    await fs.writeFile(bare, `${other.pid}\n`);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(bare, hourAgo, hourAgo);
    fx.withService({ lockFiles: [reused, owned, bare] });

    const report = await runDoctor(fx.ctx({ wallAnchor: daemonStartedAgo(10 * 60_000) }), { fix: true, rules: [staleLockRule()] });
    expect(report.findings.map((f) => f.id).sort()).toEqual([`stale-lock:${bare}`, `stale-lock:${reused}`].sort());
    expect(report.findings.find((f) => f.id.endsWith('reused.lock'))!.evidence).toContain('was reused');
    await expect(fs.access(reused)).rejects.toThrow();
    await expect(fs.access(bare)).rejects.toThrow();
    await fs.access(owned);
  });

  it('keeps the bare-pid lock of a live process when the wall clock was stepped forward after it was written (NTP on a board without an RTC)', async () => {
    // The daemon started 10 min ago and the holder after it, writing its bare pid; then NTP stepped the clock forward an
    // hour. Everything read before the step is an hour behind now: the daemon's start, and the lock's mtime.
    const c = await holder(path.join(fx.dir, 'ignored.lock'));
    const bare = path.join(fx.dir, 'gateway.pid.lock');
    await fs.writeFile(bare, `${c.pid}\n`);
    const before = new Date(Date.now() - 3_600_000);
    await fs.utimes(bare, before, before);
    fx.withService({ lockFiles: [bare] });
    const report = await runDoctor(fx.ctx({ wallAnchor: daemonStartedAgo(10 * 60_000, -3_600_000) }), { fix: true, rules: [staleLockRule()] });
    expect(report.findings).toEqual([]);
    expect(await fs.readFile(bare, 'utf8')).toBe(`${c.pid}\n`);
  });

  it('never removes the live supervised instance, a lock without a pid, or a fresh bare-pid lock of a live process', async () => {
    const inst = await holder(path.join(fx.dir, 'inst.lock'));
    const noPid = path.join(fx.dir, 'flock.lock');
    const freshBare = path.join(fx.dir, 'fresh.lock');
    await fs.writeFile(noPid, '');
    await fs.writeFile(freshBare, `${inst.pid}\n`);
    // A wrong start time, but the pid is the instance the daemon supervises right now.
    await fs.writeFile(path.join(fx.dir, 'inst.lock'), JSON.stringify({ pid: inst.pid, startTime: 1 }));
    fx.withService({ lockFiles: [path.join(fx.dir, '*.lock')] });
    const report = await runDoctor(fx.ctx({ currentPid: inst.pid }), { fix: true, rules: [staleLockRule()] });
    expect(report.findings).toEqual([]);
    await fs.access(noPid);
    await fs.access(freshBare);
    await fs.access(path.join(fx.dir, 'inst.lock'));
  });

  it('judgeOwner and parseLock (pure)', () => {
    expect(parseLock('{"pid":12,"createdAt":"2026-01-01T00:00:00.000Z","startTime":99}')).toEqual({ pid: 12, startTime: 99, createdAt: Date.parse('2026-01-01T00:00:00.000Z') });
    expect(parseLock('345\n', 1000)).toEqual({ pid: 345, createdAt: 1000 });
    expect(parseLock('garbage')).toEqual({});
    expect(judgeOwner({}, { alive: true }).gone).toBe(false);
    expect(judgeOwner({ pid: 5 }, { alive: false }).gone).toBe(true);
    expect(judgeOwner({ pid: 5, startTime: 10 }, { alive: true, startTime: 10 }).gone).toBe(false);
    expect(judgeOwner({ pid: 5, startTime: 10 }, { alive: true, startTime: 11 }).gone).toBe(true);
    // Wall = boot + 1_000_000, since the anchor (boot 0) and now (boot 60 000).
    const clocks = { anchor: { wall: 1_000_000, boot: 0 }, wall: 1_060_000, boot: 60_000 };
    expect(judgeOwner({ pid: 5, createdAt: 1_010_000 }, { alive: true, startedAtBootMs: 9_000 }, clocks).gone).toBe(false);
    expect(judgeOwner({ pid: 5, createdAt: 1_010_000 }, { alive: true, startedAtBootMs: 30_000 }, clocks).gone).toBe(true);
    // Written before the anchor: gone only for an owner started after it.
    expect(judgeOwner({ pid: 5, createdAt: 1_000 }, { alive: true, startedAtBootMs: 30_000 }, clocks).gone).toBe(true);
    // The same, with the wall clock stepped an hour forward since the anchor: cannot be told.
    expect(judgeOwner({ pid: 5, createdAt: 1_010_000 }, { alive: true, startedAtBootMs: 30_000 }, { ...clocks, wall: clocks.wall + 3_600_000 }).gone).toBe(false);
    // Without the anchor (`clawback doctor`), no lock is judged by its time.
    expect(judgeOwner({ pid: 5, createdAt: 1_000 }, { alive: true, startedAtBootMs: 30_000, startedAtMs: 1_030_000 }).gone).toBe(false);
    expect(judgeOwner({ pid: 5 }, { alive: true }).gone).toBe(false);
  });
});
