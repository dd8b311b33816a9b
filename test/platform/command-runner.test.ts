// Commands run as argv (no shell), with stdin, env and a timeout that kills the whole process group; the dry-run runner only records.
import { describe, expect, it } from 'vitest';
import { DryRunRunner, realCommandRunner } from '../../src/platform/command-runner.js';
import { isAlive } from '../../src/platform/proc.js';
import { DETACHED_RESPAWN_SCRIPT, expectGone, pidRef, runIntoTimeout, waitFor } from '../helpers/processes.js';

const marked = { CLAWBACK_TEST_CHILD: '1' };

describe('realCommandRunner', () => {
  const runner = realCommandRunner();

  it('runs argv without a shell and captures output and exit code', async () => {
    const r = await runner.run([process.execPath, '-e', 'console.log(process.argv[1]); console.error("err"); process.exit(3)', '$HOME; echo hi'], { env: marked });
    expect(r).toMatchObject({ code: 3, signal: null, stdout: '$HOME; echo hi\n', stderr: 'err\n', timedOut: false });
  });

  it('passes stdin, env and cwd', async () => {
    const r = await runner.run(
      [process.execPath, '-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(s.toUpperCase(), process.env.FOO, process.cwd()))'],
      { input: 'abc', env: { ...marked, FOO: 'bar' }, cwd: '/tmp' },
    );
    expect(r.stdout.trim()).toBe('ABC bar /tmp');
    expect(r.code).toBe(0);
  });

  it('reports a command that cannot start', async () => {
    const r = await runner.run(['/nonexistent/clawback-no-such-binary'], { env: marked });
    expect(r.code).toBeNull();
    expect(r.error).toMatch(/ENOENT/);
  });

  it('kills the whole process group on timeout, grandchildren included', async () => {
    const fast = realCommandRunner({ killGraceMs: 300 });
    let tookMs = 0;
    const r = await runIntoTimeout(
      300,
      async (timeoutMs) => {
        const t0 = performance.now();
        const x = await fast.run(['sh', '-c', 'trap "" TERM; sleep 30 & echo $!; wait'], { timeoutMs, env: marked });
        tookMs = performance.now() - t0 - timeoutMs;
        return x;
      },
      (x) => Number(x.stdout.trim()) > 0,
    );
    // The time-out, the grace (300 ms) and the SIGKILL: the run ends soon after its time-out.
    expect(tookMs).toBeLessThan(5000);
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    await waitFor(() => !isAlive(grandchild), { timeoutMs: 5000, message: 'the grandchild to be killed' });
  });

  it('on timeout also kills a descendant that left the group (a CLI that respawns itself detached)', async () => {
    const fast = realCommandRunner({ killGraceMs: 300 });
    // The parent respawns a detached child (its own session and group, like openclaw's CLI) and waits for it.
    const r = await runIntoTimeout(1500, (timeoutMs) => fast.run([process.execPath, '-e', DETACHED_RESPAWN_SCRIPT], { timeoutMs, env: marked }), (x) => Number(x.stdout.trim()) > 0);
    expect(r.timedOut).toBe(true);
    const escaped = Number(r.stdout.trim());
    expect(escaped).toBeGreaterThan(0);
    await expectGone(pidRef(escaped), 'the detached descendant to be killed');
  });

  it('a command slower to set itself up than the first time-out (node on a loaded machine) is run again with a longer one', async () => {
    const fast = realCommandRunner({ killGraceMs: 300 });
    // Sets itself up (prints its pid) 2.5 s after its start, as a node start measured at 2.6 s under load did.
    const slow = 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500); console.log(process.pid); setInterval(() => {}, 1000)';
    const timeouts: number[] = [];
    const r = await runIntoTimeout(
      1500,
      (timeoutMs) => {
        timeouts.push(timeoutMs);
        return fast.run([process.execPath, '-e', slow], { timeoutMs, env: marked });
      },
      (x) => Number(x.stdout.trim()) > 0,
    );
    // The first run is always killed before its set-up; a loaded machine may need the last one too.
    expect(timeouts.slice(0, 2)).toEqual([1500, 6000]);
    expect(r.timedOut).toBe(true);
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    await expectGone(pidRef(pid), 'the slow command to be killed at its time-out');
  });

  it('stops on an abort signal', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await runner.run(['sleep', '30'], { signal: ac.signal, env: marked });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGTERM');
  });
});

describe('DryRunRunner', () => {
  it('records and answers without running anything', async () => {
    const dry = new DryRunRunner((argv) => (argv[0] === 'crontab' ? { code: 1, stderr: 'no crontab for root' } : {}));
    expect((await dry.run(['rm', '-rf', '/nonexistent'])).code).toBe(0);
    expect((await dry.run(['crontab', '-l'])).stderr).toBe('no crontab for root');
    expect(dry.calls.map((c) => c.argv)).toEqual([['rm', '-rf', '/nonexistent'], ['crontab', '-l']]);
  });
});
