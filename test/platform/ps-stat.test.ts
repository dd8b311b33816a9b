import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parsePsStatLine, readPsStat } from '../../src/platform/proc.js';

describe('ps facts where there is no /proc (macOS)', () => {
  const savedTz = process.env.TZ;
  const children: ChildProcess[] = [];
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it("reads macOS's line (C locale, UTC) and gives no start time, never a made-up one, for any other form", () => {
    const line = '  4242     1  4242 Ss     51234 Thu Dec  3 17:41:39 2026\n';
    expect(parsePsStatLine(4242, line)).toEqual({ pid: 4242, ppid: 1, pgid: 4242, state: 'S', rssBytes: 51234 * 1024, startTime: Date.UTC(2026, 11, 3, 17, 41, 39), cpuTicks: 0 });
    // macOS ps prints lstart with strftime %c: in a shell's de_DE locale it reads like this. Two different processes
    // that held the pid one after the other both got start 0, so a recycled pid looked like the recorded process.
    expect(parsePsStatLine(4242, '  4242     1  4242 Ss     51234 Do  3 Dez 17:41:39 2026')).toBeUndefined();
    expect(parsePsStatLine(4243, '  4243     1  4243 Ss     51234 jeu  3 déc 17:41:39 2026')).toBeUndefined();
    expect(parsePsStatLine(4242, '')).toBeUndefined();
  });

  it('a real ps, read from any zone, gives the start /proc gives (boot time + start ticks)', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child);
    const pid = child.pid!;
    await new Promise((r) => setTimeout(r, 200));
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    const ticks = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    const fromProc = (btime + ticks / hz) * 1000;
    const seen = new Set<number>();
    for (const tz of ['Asia/Kolkata', 'America/New_York', 'UTC']) {
      process.env.TZ = tz;
      const stat = readPsStat(pid);
      expect(stat).toBeDefined();
      expect(stat!.ppid).toBe(process.pid);
      expect(Math.abs(stat!.startTime - fromProc)).toBeLessThan(2_000);
      seen.add(stat!.startTime);
    }
    expect(seen.size).toBe(1);
  });
});
