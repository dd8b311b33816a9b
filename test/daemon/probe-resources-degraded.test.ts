// The daemon out of open files (EMFILE): every probe said "clawback is out of resources" (unknown, no restart), but
// status said daemon.health "ok" and every clawback_daemon_degraded series was 0. Now it is degraded for
// probe-resources (advice named) while checks cannot run, never restarts the healthy service, and clears (one
// daemon.recovered) once checks have run again for a quiet spell.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

const SERVER = fileURLToPath(new URL('../fixtures/instance-server.mjs', import.meta.url));
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const nofile = (): string => execFileSync('prlimit', ['--pid', String(process.pid), '--nofile', '--output', 'SOFT,HARD', '--noheadings']).toString().trim().split(/\s+/).join(':');
const setNofile = (limit: string): void => void execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${limit}`]);
/** Takes every descriptor still free under the soft limit (bounded by it); called again while waiting. */
const takeFree = (held: number[], limit: number): void => {
  for (let i = 0; i < limit; i++) {
    try {
      held.push(openSync('/dev/null', 'r'));
    } catch {
      return;
    }
  }
};

describe('the daemon out of open files while it probes a healthy service', () => {
  it('is degraded for probe-resources, restarts nothing, and clears once checks run again', async () => {
    const port = await freePort();
    const t: TestDaemon = await startTestDaemon({
      services: [{ name: 'web', command: [NODE, SERVER, String(port)], port, probes: [{ kind: 'tcp', port, interval: '200ms', timeout: '1s', failureThreshold: 2 }] }],
    });
    cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const rt = t.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 15_000, message: 'web healthy' });
    const pid = rt.status().pid;
    const was = nofile();
    const hard = was.split(':')[1]!;
    cleanup.push(() => setNofile(was));
    // Out of descriptors, this process cannot spawn prlimit to give them back: a helper started now does, when told.
    const restorer = spawn('sh', ['-c', `read x; prlimit --pid ${process.pid} --nofile=${was}`], { stdio: ['pipe', 'ignore', 'ignore'] });
    const restored = new Promise((r) => restorer.once('exit', r));
    const held: number[] = [];
    let during: ReturnType<TestDaemon['daemon']['faults']['status']> | undefined;
    try {
      const limit = readdirSync('/proc/self/fd').length + 8;
      setNofile(`${limit}:${hard}`);
      takeFree(held, limit);
      await waitFor(() => (takeFree(held, limit), t.daemon.faults.isDegraded('probe-resources')), { timeoutMs: 15_000, intervalMs: 20, message: 'degraded for probe-resources' });
      // A few more checks that cannot run: still no verdict against the service.
      for (let i = 0; i < 10; i++) {
        takeFree(held, limit);
        await new Promise((r) => setTimeout(r, 100));
      }
      during = t.daemon.faults.status();
    } finally {
      for (const fd of held.splice(0)) closeSync(fd);
      restorer.stdin!.end('go\n');
      await restored;
    }
    expect(during!.health).toBe('degraded');
    const reason = during!.degraded.find((d) => d.reason === 'probe-resources')!;
    expect(reason.lastError).toContain('EMFILE');
    expect(reason.lastError).toContain('web: probe tcp');
    expect(reason.advice).toContain('LimitNOFILE');
    await waitFor(() => !t.daemon.faults.isDegraded('probe-resources'), { timeoutMs: 30_000, intervalMs: 100, message: 'checks ran again, cleared' });
    expect(rt.status().pid).toBe(pid);
    expect(rt.status().restarts).toBe(0);
    expect(rt.status().health).toBe('healthy');
    const degraded = t.events.filter((e) => e.type === 'daemon.degraded' && e.details?.reason === 'probe-resources');
    const recovered = t.events.filter((e) => e.type === 'daemon.recovered' && e.details?.reason === 'probe-resources');
    expect(degraded).toHaveLength(1);
    expect(recovered).toHaveLength(1);
  }, 60_000);
});
