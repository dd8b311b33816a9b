// The fatal handler's policy on a real in-process daemon, with a stand-in for the process object (so the test runner
// itself is not asked to exit): unhandled rejections journaled and exit 70 without stopping services; during a
// requested shutdown the fault is recorded and the shutdown is left to finish.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FATAL_EXIT_CODE, installFatalHandlers } from '../../src/daemon/fatal-exit.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, waitFor } from '../helpers/processes.js';

const started: TestDaemon[] = [];
afterEach(async () => {
  while (started.length) await started.pop()!.stop();
});

function fakeProcess(): NodeJS.Process & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(new EventEmitter(), { exitCode: undefined, stderr: { write: (t: string) => lines.push(t) }, lines }) as unknown as NodeJS.Process & { lines: string[] };
}

async function daemonWithService(): Promise<{ td: TestDaemon; pid: number }> {
  const td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
  started.push(td);
  const pid = await waitFor(() => td.daemon.runtimes.get('steady')!.status().pid, { timeoutMs: 20_000, message: 'the service pid' });
  return { td, pid };
}

describe('installFatalHandlers', () => {
  it('an unhandled rejection: logged, journaled, state saved, exit 70 after the grace, the service untouched', async () => {
    const { td, pid } = await daemonWithService();
    const proc = fakeProcess();
    const exits: number[] = [];
    const remove = installFatalHandlers(proc, { daemon: () => td.daemon, exit: (c) => exits.push(c), graceMs: 50, stderr: proc.stderr });
    EventEmitter.prototype.emit.call(proc, 'unhandledRejection', new Error('nobody awaited me'));
    expect(proc.exitCode).toBe(FATAL_EXIT_CODE);
    await waitFor(() => exits.length > 0, { timeoutMs: 5000, message: 'exit after the grace' });
    expect(exits).toEqual([70]);
    const crashed = td.journal().find((e) => e.type === 'daemon.crashed');
    expect(crashed).toMatchObject({ severity: 'critical', details: { kind: 'unhandled rejection', servicesLeftRunning: true, exitCode: 70 } });
    expect(crashed!.message).toContain('nobody awaited me');
    expect(proc.lines.join('')).toMatch(/fatal: daemon unhandled rejection: nobody awaited me/);
    expect(isAlive(pid)).toBe(true);
    expect(td.daemon.runtimes.get('steady')!.status().state).toBe('running');
    // A second fault while exiting does not exit twice.
    proc.emit('uncaughtException', new Error('again'));
    await new Promise((r) => setTimeout(r, 200));
    expect(exits).toEqual([70]);
    remove();
    expect(proc.listenerCount('uncaughtException')).toBe(0);
  });

  it('during a requested shutdown: journaled, no exit (the shutdown finishes stopping the services)', async () => {
    const { td } = await daemonWithService();
    const proc = fakeProcess();
    const exits: number[] = [];
    installFatalHandlers(proc, { daemon: () => td.daemon, shuttingDown: () => true, exit: (c) => exits.push(c), graceMs: 10, stderr: proc.stderr });
    proc.emit('uncaughtException', new Error('late bug'));
    await new Promise((r) => setTimeout(r, 200));
    expect(exits).toEqual([]);
    expect(td.journal().find((e) => e.type === 'daemon.crashed')?.details).toMatchObject({ kind: 'uncaught exception', servicesLeftRunning: false });
  });

  it('before the daemon exists: stderr and exit 70 at once', () => {
    const proc = fakeProcess();
    const exits: number[] = [];
    installFatalHandlers(proc, { daemon: () => undefined, exit: (c) => exits.push(c), stderr: proc.stderr });
    proc.emit('uncaughtException', new Error('early'));
    expect(exits).toEqual([70]);
    expect(proc.lines.join('')).toContain('early');
  });
});
