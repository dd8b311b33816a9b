// A command or service that exits while a grandchild of another session keeps going: the SIGKILL that follows (a grace
// timer, a finish, an abort, a stop) must not reach a newcomer that took the reaped pid (pid_max is 32768 here and on CI).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { runCommand } from '../../src/probes/run-command.js';
import { spawnInstance } from '../../src/supervisor/service-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { readProcStat } from '../../src/platform/proc.js';
import { killTree, pidRef, spawnMarked, type MarkedChild, type PidRef } from '../helpers/processes.js';
import { canSteerPids, startOnPid } from '../helpers/pid-steer.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/escaped-grandchild.mjs', import.meta.url));
const IDLE = ['-e', 'setInterval(() => {}, 1e9)'];

const children: MarkedChild[] = [];
const refs: PidRef[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of refs.splice(0)) killTree(r);
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'cb-reaped-'));
  dirs.push(d);
  return d;
}

/** A newcomer holding `pid` (steered through ns_last_pid), in its own group; undefined if another process kept taking it. */
function newcomerAt(pid: number): MarkedChild | undefined {
  return startOnPid(pid, () => {
    const c = spawnMarked(process.execPath, IDLE);
    children.push(c);
    return c;
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for the fixture's ready file: its pid and its escaped grandchild's (recorded for cleanup). */
async function ready(file: string): Promise<{ pid: number; grandchild: number }> {
  // Until both numbers are there: the file exists a moment before the fixture's write lands (an empty read gave NaN,
  // which ns_last_pid refused with EINVAL: the last CI run's failure).
  const read = (): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  for (let i = 0; i < 2000 && !/^\d+ \d+/.test(read()); i++) await sleep(10);
  const [pid, grandchild] = read().split(' ').map(Number) as [number, number];
  refs.push(pidRef(grandchild));
  return { pid, grandchild };
}

/** Waits (tightly: a finish may follow in 250 ms) until pid is reaped, then steers a newcomer to it. */
async function newcomerAfterReap(pid: number): Promise<MarkedChild | undefined> {
  for (let i = 0; i < 5000 && readProcStat(pid) !== undefined; i++) await sleep(2);
  return newcomerAt(pid);
}

describe.skipIf(!canSteerPids())('a SIGKILL after the child was reaped', () => {
  it('platform runner: the grace timer\'s SIGKILL spares the newcomer at the reaped pid', async () => {
    const file = path.join(tmp(), 'ready');
    const ac = new AbortController();
    const run = realCommandRunner({ killGraceMs: 1500 }).run([process.execPath, FIXTURE, file], { signal: ac.signal, timeoutMs: 0 });
    const { pid } = await ready(file);
    ac.abort();
    const newcomer = await newcomerAfterReap(pid);
    await run;
    if (!newcomer) return; // another process took the pid each time: nothing to judge
    await sleep(200);
    expect(newcomer.exitInfo(), 'the newcomer was SIGKILLed through the reaped pid').toBeUndefined();
  }, 30_000);

  it('doctor runner: the finish\'s SIGKILL after a cancelled run spares the newcomer', async () => {
    const file = path.join(tmp(), 'ready');
    const ac = new AbortController();
    // Its timers run 1 s late (a loaded machine): the 250 ms pipe drain after the exit leaves time to steer the pid.
    const sys = systemClock();
    const late = { ...sys, setTimeout: (fn: () => void, ms: number) => sys.setTimeout(fn, ms + 1000) };
    const run = spawnRunner({ killGraceMs: 5000, clock: late })([process.execPath, FIXTURE, file], { signal: ac.signal, timeoutMs: 60_000 });
    const { pid } = await ready(file);
    ac.abort();
    const newcomer = await newcomerAfterReap(pid);
    const result = await run;
    expect(result.aborted).toBe(true);
    if (!newcomer) return;
    await sleep(200);
    expect(newcomer.exitInfo(), 'the newcomer was SIGKILLed through the reaped pid').toBeUndefined();
  }, 30_000);

  it('probe runCommand: an abort after the exit spares the newcomer\'s group', async () => {
    const file = path.join(tmp(), 'ready');
    const ac = new AbortController();
    const run = runCommand([process.execPath, FIXTURE, file], { signal: ac.signal });
    const { pid } = await ready(file);
    process.kill(pid, 'SIGTERM'); // unreaped: still that process
    const newcomer = await newcomerAfterReap(pid);
    ac.abort();
    expect((await run).kind).toBe('aborted');
    if (!newcomer) return;
    await sleep(200);
    expect(newcomer.exitInfo(), 'the newcomer\'s group was SIGKILLed through the reaped pid').toBeUndefined();
  }, 30_000);

  it('service stop: the SIGKILL after the grace spares the newcomer once the leader was reaped', async () => {
    const dir = tmp();
    const file = path.join(dir, 'ready');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const clock = systemClock();
    const inst = spawnInstance({ argv: [process.execPath, FIXTURE, file], shell: false, cwd: dir, env, logFile: path.join(dir, 'out.log') }, clock);
    const { pid } = await ready(file);
    expect(pid).toBe(inst.pid);
    // The grandchild ignores SIGTERM: the stop waits out its grace, the leader reaped meanwhile.
    const stopped = inst.stop('SIGTERM', 1500);
    const newcomer = await newcomerAfterReap(pid);
    await stopped;
    if (!newcomer) return;
    await sleep(200);
    expect(newcomer.exitInfo(), 'the newcomer was SIGKILLed through the reaped pid').toBeUndefined();
  }, 30_000);
});
