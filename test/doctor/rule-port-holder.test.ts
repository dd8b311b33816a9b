import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { portHolderRule } from '../../src/doctor/rule-port-holder.js';
import { findPortListeners, listenInodes } from '../../src/doctor/port-listeners.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const LISTENER = "require('net').createServer().listen(0, '127.0.0.1', function () { process.stdout.write('port=' + this.address().port + '\\n'); });";

async function startListener(): Promise<{ child: MarkedChild; port: number }> {
  const child = spawnMarked(process.execPath, ['-e', LISTENER]);
  const out = await child.waitForStdout(/port=\d+/, 10_000);
  return { child, port: Number(/port=(\d+)/.exec(out)![1]) };
}

describe('port-holder rule', () => {
  let fx: DoctorFixture;
  let holder: { child: MarkedChild; port: number };

  beforeEach(async () => {
    holder = await startListener();
    fx = await makeFixture();
    fx.withService({ port: holder.port, stop: { grace: 2000 } });
  });
  afterEach(async () => {
    holder.child.kill();
    await holder.child.waitForExit(5000);
    await fx.cleanup();
  });

  it('finds the listener pid through /proc/net/tcp and /proc/*/fd', async () => {
    const found = await findPortListeners(holder.port);
    expect(found.pids).toEqual([holder.child.pid]);
    expect(found.source).toBe('proc');
  });

  it('an unrelated listener is reported with its pid and command, and never killed', async () => {
    const report = await runDoctor(fx.ctx({ isOwnInstance: () => false }), { fix: true, rules: [portHolderRule()] });
    expect(report.findings).toHaveLength(1);
    const f = report.findings[0]!;
    expect(f).toMatchObject({ rule: 'port-holder', severity: 'critical', fixable: false });
    expect(f.evidence).toContain(`pid ${holder.child.pid}`);
    expect(f.evidence).toContain(process.execPath);
    expect(report.outcomes).toHaveLength(0);
    expect(report.exitCode).toBe(2);
    expect(isAlive(holder.child.pid)).toBe(true);
    // Without isOwnInstance at all, the same.
    const again = await runDoctor(fx.ctx(), { fix: true, rules: [portHolderRule()] });
    expect(again.exitCode).toBe(2);
    expect(isAlive(holder.child.pid)).toBe(true);
  });

  it('a stale instance of the same service (isOwnInstance) is stopped', async () => {
    const ctx = fx.ctx({ isOwnInstance: (pid) => pid === holder.child.pid });
    const report = await runDoctor(ctx, { fix: true, rules: [portHolderRule()] });
    expect(report.findings[0]).toMatchObject({ severity: 'warning', fixable: true });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(report.outcomes[0]!.details).toMatchObject({ pid: holder.child.pid });
    expect(report.exitCode).toBe(1);
    await waitFor(() => holder.child.exitInfo() !== undefined, { timeoutMs: 5000, message: 'stale instance to exit' });
  });

  it('the live supervised instance (currentPid) is not a finding', async () => {
    const report = await runDoctor(fx.ctx({ currentPid: holder.child.pid }), { fix: true, rules: [portHolderRule()] });
    expect(report.exitCode).toBe(0);
  });

  it('listenInodes reads LISTEN rows for the port only', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:4975 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0',
      '   1: 0100007F:4975 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0 20 4 30 10 -1',
      '   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 333 1 0 100 0 0 10 0',
    ].join('\n');
    expect(listenInodes(table, 0x4975)).toEqual([111]);
  });
});
