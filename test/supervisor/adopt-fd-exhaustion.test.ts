// A daemon out of file descriptors cannot read /proc: a running adopted instance must not look exited (a second copy
// started beside it, its live group SIGKILLed as leftovers, or the daemon crashed on the scan). The failure is injected
// at the edge (node:fs reads of /proc fail with EMFILE while the switch is on), the processes are real.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const fault = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const emfile = (p: unknown): void => {
    if (fault.on && String(p).startsWith('/proc')) throw Object.assign(new Error(`EMFILE: too many open files, open '${String(p)}'`), { code: 'EMFILE' });
  };
  const readFileSync = ((p: unknown, ...rest: unknown[]) => {
    emfile(p);
    return (fs.readFileSync as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.readFileSync;
  const readdirSync = ((p: unknown, ...rest: unknown[]) => {
    emfile(p);
    return (fs.readdirSync as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.readdirSync;
  return { ...fs, default: { ...fs, readFileSync, readdirSync }, readFileSync, readdirSync };
});

const { adoptInstance, killLeftovers, spawnInstance } = await import('../../src/supervisor/service-process.js');
const { processStartTime, isAlive } = await import('../../src/platform/proc.js');
const { PROCESS_START_MS, killTree, pidRef, spawnMarked, waitFor } = await import('../helpers/processes.js');
const { FIXTURES, NODE } = await import('../helpers/daemon.js');

afterEach(() => {
  fault.on = false;
});

describe('an adopted instance while the daemon is out of descriptors', () => {
  it('keeps running (no false exit, its group not killed) and its real exit is seen once /proc reads again', async () => {
    const child = spawnMarked(NODE, [`${FIXTURES}sleeper.mjs`]);
    try {
      await child.waitForStdout('ready', 20_000);
      const inst = adoptInstance({ pid: child.pid, pidStartTime: processStartTime(child.pid) ?? null, startedAt: Date.now() }, systemClock(), 20);
      expect(inst).toBeDefined();
      let exited = false;
      void inst!.exited.then(() => {
        exited = true;
      });
      fault.on = true;
      expect(isAlive(child.pid)).toBe(true);
      expect(() => killLeftovers(child.pid)).not.toThrow();
      await new Promise((r) => setTimeout(r, 300)); // ~15 polls with /proc unreadable
      expect(exited).toBe(false);
      expect(inst!.isRunning()).toBe(true);
      expect(child.exitInfo()).toBeUndefined(); // not SIGKILLed as a dead leader's leftovers
      fault.on = false;
      child.kill();
      await child.waitForExit(5000);
      // Seen by the adopted instance's 20 ms poll; bounded generously (a starved poll, not a 3 s race).
      const info = await Promise.race([inst!.exited, new Promise((r) => setTimeout(() => r('timeout'), PROCESS_START_MS))]);
      expect(info).not.toBe('timeout');
      inst!.release();
    } finally {
      child.kill();
    }
  });

  it('a leader that really died still has its leftover group killed when /proc cannot be listed, without throwing', async () => {
    const leader = spawnMarked('/bin/sh', ['-c', `"${NODE}" "${FIXTURES}sleeper.mjs" & echo $!; exit 0`]);
    try {
      const worker = Number((await leader.waitForStdout(/\d+\n/, 10_000)).trim());
      await leader.waitForExit(10_000);
      expect(isAlive(worker)).toBe(true);
      fault.on = true;
      expect(() => killLeftovers(leader.pid)).not.toThrow();
      fault.on = false;
      await waitFor(() => !isAlive(worker), { timeoutMs: 5000 });
    } finally {
      fault.on = false;
      leader.kill();
    }
  });

  it('a stop while /proc cannot be read still ends a worker left in the group: SIGKILL after the grace, not a failed stop', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-emfile-stop-'));
    // The leader exits on SIGTERM; its worker (same group) ignores it, so the stop has to look at the group.
    const worker = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";
    const leader = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(worker)}], { stdio: 'ignore' }); console.log('worker ' + c.pid); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000)`;
    const inst = spawnInstance({ argv: [NODE, '-e', leader], shell: false, cwd: dir, env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } as Record<string, string>, logFile: path.join(dir, 'svc.log') }, systemClock());
    // Two node starts (leader, then its worker's pid logged): 3.4-5.9 s each on one core at load ~25, past a 5 s bound.
    // A wait that fails still ends the leader and its worker (their group): they were left running, which the suite's
    // leak check then reported as another failure.
    const workerPid = await waitFor(() => Number(/worker (\d+)/.exec(readFileSync(path.join(dir, 'svc.log'), 'utf8'))?.[1]) || undefined, { timeoutMs: PROCESS_START_MS }).catch((err: unknown) => {
      inst.signalGroup('SIGKILL');
      throw err;
    });
    const workerRef = pidRef(workerPid);
    try {
      fault.on = true;
      let failed: unknown;
      const stopped = inst.stop('SIGTERM', 300).catch((err: unknown) => {
        failed = err;
      });
      // The whole stop runs with /proc unreadable: a 3 s race turned the fault off mid-stop on a loaded machine and then
      // judged a stop still under way (failed: not yet set). Its own bound is the 300 ms grace, a SIGKILL and the exit.
      const settled = await Promise.race([stopped.then(() => 'stopped'), new Promise((r) => setTimeout(() => r('timeout'), PROCESS_START_MS))]);
      fault.on = false;
      expect(settled).toBe('stopped');
      expect(failed).toBeUndefined();
      await waitFor(() => !isAlive(workerPid) || undefined, { timeoutMs: PROCESS_START_MS });
    } finally {
      fault.on = false;
      killTree(workerRef);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
