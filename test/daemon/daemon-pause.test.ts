// A daemon SIGSTOPped then continued said nothing of the gap (neither the journal nor status), though it explains
// missed probes and late restarts: a real daemon process, really stopped; it now says so once, with how long.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { FakeClock, latenessRecordingClock } from '../../src/platform/clock.js';
import { pauseEvent } from '../../src/daemon/pause-event.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  daemon?.signal('SIGCONT');
  daemon?.signal('SIGTERM');
  await daemon?.waitForExit(20_000).catch(() => daemon?.kill());
  daemon = undefined;
});

const pauses = (stateDir: string): Array<{ severity: string; message: string; details: { pausedMs: number; kind: string } }> =>
  readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"daemon.paused"'))
    .map((l) => JSON.parse(l));

describe('a daemon that was paused', () => {
  it('journals the pause once and shows it in status', async () => {
    const dir = tempDir('clawback-pause-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'idle', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('dashboard:', 30_000);
    expect(daemon.signal('SIGSTOP')).toBe(true);
    await new Promise((r) => setTimeout(r, 8000));
    daemon.signal('SIGCONT');
    const told = await waitFor(() => (pauses(stateDir).length > 0 ? pauses(stateDir) : undefined), { timeoutMs: 20_000, intervalMs: 200 });
    expect(told[0]!.details.kind).toBe('paused');
    // At least the pause less one heartbeat interval (2 s): the timer due first after the stop was that late.
    expect(told[0]!.details.pausedMs).toBeGreaterThanOrEqual(5000);
    expect(told[0]!.message).toMatch(/clawback stood still for \d+\.\d s .*SIGSTOP/);
    const r = await runCli(['status', '--state-dir', stateDir]);
    expect(r.stdout).toMatch(/DAEMON PAUSED .*: clawback stood still for/);
    // Once per pause: the beats after it add nothing.
    await new Promise((r) => setTimeout(r, 4500));
    expect(pauses(stateDir)).toHaveLength(1);
  }, 90_000);

  it('tells a machine that slept (the boot clock ran on, the monotonic one not) once, as a sleep', () => {
    const fake = new FakeClock();
    const clock = latenessRecordingClock(fake);
    fake.sleepMachine(30_000);
    expect(clock.takePause(5000)).toEqual({ ms: 30_000, kind: 'slept' });
    expect(clock.takePause(5000)).toBeUndefined();
    expect(pauseEvent({ ms: 30_000, kind: 'slept' }, 1_000_000)).toMatchObject({ type: 'daemon.paused', severity: 'warning', message: expect.stringContaining('the machine slept for 30.0 s') });
    expect(pauseEvent({ ms: 6000, kind: 'paused' }, 1_000_000).severity).toBe('info');
  });
});
