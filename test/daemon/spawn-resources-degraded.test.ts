// The daemon out of open files (EMFILE) could not start a service again and again: the journal said so, but status
// and /metrics showed the daemon healthy. Now it is degraded for spawn-resources until a start spawns again.
// With no descriptor left even for the service's log file, the daemon crashed (exit 70, "uncaught exception: spawn
// /usr/bin/node EMFILE": the log helper had no stdin to destroy); it now degrades the same way.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, rmSync } from 'node:fs';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const nofile = (): string => execFileSync('prlimit', ['--pid', String(process.pid), '--nofile', '--output', 'SOFT,HARD', '--noheadings']).toString().trim().split(/\s+/).join(':');
const setNofile = (limit: string): void => void execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${limit}`]);
/**
 * Takes every descriptor still free under the soft limit (bounded by it): a count of /proc/self/fd is one instant, and
 * descriptors the daemon (or this process) held then and closed later left room for the restart's spawn, which then
 * worked (the test waited 15 s for a fault that never came). Called again while waiting: what closes is taken back.
 */
const takeFree = (held: number[], limit: number): void => {
  for (let i = 0; i < limit; i++) {
    try {
      held.push(openSync('/dev/null', 'r'));
    } catch {
      return;
    }
  }
};

describe('the daemon out of open files when it restarts a service', () => {
  it('is degraded for spawn-resources (advice named) while starts fail, and clears once one spawns again', async () => {
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, '-e', 'setInterval(() => {}, 1000)'], restart: { backoff: { initial: '200ms', max: '1s' } } }] });
    cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const rt = t.daemon.runtimes.get('svc')!;
    const pid = await waitFor(() => rt.status().pid, { message: 'svc running' });
    const was = nofile();
    const hard = was.split(':')[1]!;
    cleanup.push(() => setNofile(was));
    // Out of descriptors, this process cannot spawn prlimit to give them back: a helper started now does, when told.
    const restorer = spawn('sh', ['-c', `read x; prlimit --pid ${process.pid} --nofile=${was}`], { stdio: ['pipe', 'ignore', 'ignore'] });
    const restored = new Promise((r) => restorer.once('exit', r));
    const held: number[] = [];
    try {
      // A few over the descriptors in use now, every one of them then taken: the next spawn (its pipes) finds none left.
      const limit = readdirSync('/proc/self/fd').length + 8;
      setNofile(`${limit}:${hard}`);
      takeFree(held, limit);
      process.kill(pid, 'SIGKILL');
      await waitFor(() => (takeFree(held, limit), t.daemon.faults.isDegraded('spawn-resources')), { timeoutMs: 15_000, intervalMs: 20, message: 'degraded for spawn-resources' });
    } finally {
      for (const fd of held.splice(0)) closeSync(fd);
      restorer.stdin!.end('go\n');
      await restored;
    }
    const reason = t.daemon.faults.status().degraded.find((d) => d.reason === 'spawn-resources')!;
    expect(reason.lastError).toContain('EMFILE');
    expect(reason.advice).toContain('LimitNOFILE');
    await waitFor(() => !t.daemon.faults.isDegraded('spawn-resources') && rt.status().state === 'running', { timeoutMs: 20_000, intervalMs: 100, message: 'spawned again, cleared' });
    expect(t.events.some((e) => e.type === 'daemon.recovered' && e.details?.reason === 'spawn-resources')).toBe(true);
  }, 60_000);
});
