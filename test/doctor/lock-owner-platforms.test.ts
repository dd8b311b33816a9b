import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { staleLockRule } from '../../src/doctor/rule-stale-lock.js';
import { liveProcess, type LiveProbe } from '../../src/doctor/lock-owner.js';
import { isAlive } from '../../src/platform/proc.js';
import { parseLstartUtc, readLstartText } from '../../src/platform/ps-lstart.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** What a macOS gateway (getFileLockProcessStartTime) records: `ps -o lstart=` with LC_ALL=C TZ=UTC, read as UTC, in seconds. */
function gatewayDarwinStartTime(lstart: string): number {
  return Math.floor(Date.parse(`${lstart} UTC`) / 1000);
}

/** `ps -o lstart=` exactly as the gateway runs it. */
function gatewayLstart(pid: number): string {
  return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } }).trim();
}

describe('lock owner on macOS: start times compared in the unit and clock the gateway wrote them', () => {
  let fx: DoctorFixture;
  const children: MarkedChild[] = [];
  const savedTz = process.env.TZ;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(async () => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
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

  it('parses macOS `ps -o lstart=` text as UTC whatever the reader\'s zone, and nothing but the C locale\'s form', () => {
    const utc = Date.UTC(2026, 11, 3, 17, 41, 39);
    process.env.TZ = 'Asia/Kolkata';
    expect(parseLstartUtc('Thu Dec  3 17:41:39 2026')).toBe(utc);
    // Date.parse reads the zone-less text in the reader's zone: 5.5 h off here, the shift the gateway avoids.
    expect(utc - Date.parse('Thu Dec  3 17:41:39 2026')).toBe(5.5 * 3_600_000);
    process.env.TZ = 'America/Los_Angeles';
    expect(parseLstartUtc('Thu Dec  3 17:41:39 2026\n')).toBe(utc);
    expect(parseLstartUtc('Mon Jan 12 04:05:06 2026')).toBe(Date.UTC(2026, 0, 12, 4, 5, 6));
    // Another locale's names (macOS ps prints %c), an impossible date, a wrong weekday: no start time.
    expect(parseLstartUtc('Do  3 Dez 17:41:39 2026')).toBeUndefined();
    expect(parseLstartUtc('Thu Feb 31 17:41:39 2026')).toBeUndefined();
    expect(parseLstartUtc('Fri Dec  3 17:41:39 2026')).toBeUndefined();
    expect(parseLstartUtc('')).toBeUndefined();
  });

  it('keeps a live macOS gateway\'s lock, removes one whose pid was reused, and never compares a value in another unit', async () => {
    const lstart = 'Thu Dec  3 17:41:39 2026';
    const secs = gatewayDarwinStartTime(lstart);
    const owner = await holder(path.join(fx.dir, 'ignored.lock'));
    const darwin: LiveProbe = { platform: 'darwin', hasProc: false, isAlive, lstart: (pid) => (pid === owner.pid ? lstart : undefined) };
    const write = async (name: string, startTime: number): Promise<string> => {
      const file = path.join(fx.dir, name);
      await fs.writeFile(file, JSON.stringify({ pid: owner.pid, createdAt: new Date().toISOString(), configPath: '/x/openclaw.json', startTime }));
      return file;
    };
    const live = await write('gateway.live.lock', secs);
    const reused = await write('gateway.reused.lock', secs - 3_600);
    const millis = await write('gateway.ms.lock', secs * 1000);
    const ticks = await write('gateway.ticks.lock', 123_456);
    fx.withService({ lockFiles: [path.join(fx.dir, 'gateway.*.lock')] });
    process.env.TZ = 'Asia/Kolkata';

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [staleLockRule({ live: (pid) => liveProcess(pid, darwin) })] });
    expect(report.findings.map((f) => f.id)).toEqual([`stale-lock:${reused}`]);
    expect(report.findings[0]!.evidence).toContain('was reused');
    await expect(fs.access(reused)).rejects.toThrow();
    for (const kept of [live, millis, ticks]) await fs.access(kept);
    // A live pid whose start ps cannot tell (gone from ps for a moment, another locale) keeps its lock.
    expect(liveProcess(owner.pid, { ...darwin, lstart: () => 'Do  3 Dez 17:41:39 2026' })).toEqual({ alive: true });
    expect(liveProcess(owner.pid, { ...darwin, lstart: () => undefined })).toEqual({ alive: true });
  });

  it('the darwin path with a real `ps` and a real live process, the reader in another zone: its lock is kept', async () => {
    // This host has /proc, but its ps prints lstart as macOS does: the darwin reading runs for real here.
    const owner = await holder(path.join(fx.dir, 'ignored.lock'));
    const secs = gatewayDarwinStartTime(gatewayLstart(owner.pid));
    // An independent reading of the same start: boot time + start ticks from /proc.
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    const ticks = Number(readFileSync(`/proc/${owner.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    expect(Math.abs(secs - (btime + ticks / hz))).toBeLessThan(2);

    const lock = path.join(fx.dir, 'gateway.0a1b2c3d.lock');
    await fs.writeFile(lock, JSON.stringify({ pid: owner.pid, createdAt: new Date().toISOString(), configPath: '/x/openclaw.json', startTime: secs }));
    const reused = path.join(fx.dir, 'gateway.reused.lock');
    await fs.writeFile(reused, JSON.stringify({ pid: owner.pid, createdAt: new Date().toISOString(), configPath: '/x/openclaw.json', startTime: secs - 60 }));
    fx.withService({ lockFiles: [path.join(fx.dir, 'gateway.*.lock')] });
    const darwin: LiveProbe = { platform: 'darwin', hasProc: false, isAlive, lstart: readLstartText };
    for (const tz of ['Asia/Kolkata', 'America/New_York', 'UTC']) {
      process.env.TZ = tz;
      expect(liveProcess(owner.pid, darwin)).toMatchObject({ alive: true, startTime: secs, startTimeUnit: 'epoch-s' });
    }
    process.env.TZ = 'Asia/Kolkata';
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [staleLockRule({ live: (pid) => liveProcess(pid, darwin) })] });
    expect(report.findings.map((f) => f.id)).toEqual([`stale-lock:${reused}`]);
    await fs.access(lock);
  });
});
