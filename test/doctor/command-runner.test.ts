import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnRunner, serviceEnv } from '../../src/doctor/command-runner.js';
import { serviceSchema } from '../../src/config/schema.js';
import { DETACHED_RESPAWN_SCRIPT, expectGone, isAlive, killTree, pidRef, runIntoTimeout, waitFor } from '../helpers/processes.js';

const env = { ...process.env, CLAWBACK_TEST_CHILD: '1' } as Record<string, string>;

/** A parent that starts a grandchild ignoring SIGTERM, writes its pid to pidFile and idles (ignoring SIGTERM too unless parentDiesOnTerm). */
function parentOf(pidFile: string, parentDiesOnTerm: boolean): string {
  const gc = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";
  return [
    "const { spawn } = require('child_process'); const { writeFileSync } = require('fs');",
    `const c = spawn(process.execPath, ['-e', ${JSON.stringify(gc)}], { stdio: 'ignore' });`,
    `writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));`,
    parentDiesOnTerm ? '' : "process.on('SIGTERM', () => {});",
    'setInterval(() => {}, 1000);',
  ].join('\n');
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-runner-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('spawnRunner', () => {
  it('captures output and the exit code, no shell involved', async () => {
    const run = spawnRunner();
    const r = await run([process.execPath, '-e', 'console.log("out $HOME"); console.error("err"); process.exit(3)'], { timeoutMs: 10_000, env });
    expect(r).toMatchObject({ code: 3, signal: null, stdout: 'out $HOME\n', stderr: 'err\n' });
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = path.join(tmp, 'gc-timeout.pid');
    const run = spawnRunner({ killGraceMs: 200 });
    // Killed before it wrote the pid file (a slow node start), a run says nothing about the grandchild: run it again.
    const wrote = async (): Promise<boolean> => Number(await fs.readFile(pidFile, 'utf8').catch(() => '')) > 0;
    const r = await runIntoTimeout(2000, (timeoutMs) => run([process.execPath, '-e', parentOf(pidFile, false)], { timeoutMs, env }), wrote);
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    const grandchild = Number(await fs.readFile(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    await waitFor(() => !isAlive(grandchild), { timeoutMs: 5000, message: 'grandchild to die' });
  });

  it('on timeout also kills a descendant that respawned itself detached (its own session, as openclaw\'s CLI does)', async () => {
    const run = spawnRunner({ killGraceMs: 200 });
    const r = await runIntoTimeout(1500, (timeoutMs) => run([process.execPath, '-e', DETACHED_RESPAWN_SCRIPT], { timeoutMs, env }), (x) => Number(x.stdout.trim()) > 0);
    expect(r.timedOut).toBe(true);
    const escaped = Number(r.stdout.trim());
    expect(escaped).toBeGreaterThan(0);
    await expectGone(pidRef(escaped), 'the detached descendant to die');
  });

  it('on timeout also kills an orphan it left (a double fork into its own session: no descendant, no group member)', async () => {
    const run = spawnRunner({ killGraceMs: 200 });
    // The middle process starts the orphan detached, prints its pid and exits; the command itself then hangs.
    const middle = "const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' }); console.log(c.pid); process.exit(0);";
    const script = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(middle)}], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);`;
    const r = await runIntoTimeout(2000, (timeoutMs) => run([process.execPath, '-e', script], { timeoutMs, env }), (x) => Number(x.stdout.trim()) > 0);
    expect(r.timedOut).toBe(true);
    const orphan = pidRef(Number(r.stdout.trim()));
    try {
      await expectGone(orphan, 'the orphan of the timed-out command to die');
    } finally {
      killTree(orphan);
    }
  });

  it('an abort signal kills the command, and grandchildren that ignore SIGTERM too', async () => {
    const pidFile = path.join(tmp, 'gc-abort.pid');
    const run = spawnRunner({ killGraceMs: 5000 });
    const ac = new AbortController();
    const pending = run([process.execPath, '-e', parentOf(pidFile, true)], { timeoutMs: 60_000, env, signal: ac.signal });
    const grandchild = await waitFor(async () => Number(await fs.readFile(pidFile, 'utf8')), { timeoutMs: 10_000, message: 'grandchild pid file' });
    ac.abort();
    const r = await pending;
    expect(r.aborted).toBe(true);
    await waitFor(() => !isAlive(grandchild), { timeoutMs: 5000, message: 'grandchild to die' });
  });

  it('reports a command that cannot start instead of throwing', async () => {
    const r = await spawnRunner()(['/nonexistent/clawback-cmd'], { timeoutMs: 1000, env });
    expect(r.error).toMatch(/ENOENT/);
  });

  it('bounds the captured output', async () => {
    const r = await spawnRunner({ maxOutputBytes: 1000 })([process.execPath, '-e', 'process.stdout.write("x".repeat(50000))'], { timeoutMs: 10_000, env });
    expect(r.stdout.startsWith('x'.repeat(1000))).toBe(true);
    expect(r.stdout).toContain('49000 more bytes dropped');
  });

  it('serviceEnv: inherited minus unsetEnv, plus the service env', () => {
    const svc = serviceSchema.parse({ name: 's', command: ['x'], env: { A: '1' }, unsetEnv: ['DROP'] });
    expect(serviceEnv(svc, { DROP: 'x', KEEP: 'y', A: '0' })).toEqual({ KEEP: 'y', A: '1' });
    expect(serviceEnv({ ...svc, inheritEnv: false }, { KEEP: 'y' })).toEqual({ A: '1' });
  });
});
