// A drill whose trial fails (not only one interrupted) must not leave the service held and down: the hold it caused is lifted and the report says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { drilledStatus, GATEWAY_JSON, startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

interface Svc {
  pid: number | null;
  state: string;
  held: { reason: string } | null;
}

describe('clawback drill after a failed trial', () => {
  let d: DrillDaemon;
  const status = (): Promise<Svc> => drilledStatus<Svc>(d.stateDir);
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('config-corrupt on a hard-linked config (the doctor refuses to replace it and holds the service): the drill fails, puts the bytes back into both names and lifts the hold', async () => {
    // Wait for the last-known-good snapshot (snapshotAfter 1s) so the trial expects the doctor to restore.
    await waitFor(async () => (await status()).state === 'running' && (await httpGet(`http://127.0.0.1:${d.port}/health`, 1000)).status === 200, { timeoutMs: 30_000 });
    const other = path.join(d.dir, 'gateway-other-name.json');
    linkSync(d.gatewayConfig, other);
    const ino = statSync(d.gatewayConfig).ino;
    const mdFile = path.join(d.dir, 'drill-cc.md');
    const r = await runCli(['drill', 'config-corrupt', '--yes', '--timeout', '12', '--report', mdFile, '--state-dir', d.stateDir], { timeoutMs: 90_000 });
    // The doctor keeps its hands off a file with two names, so the trial cannot pass: exit 1, not a crash of the drill.
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(readFileSync(path.join(d.dir, 'drill-cc.json'), 'utf8')) as DrillReport;
    expect(report.trials[0]!.asExpected).toBe(false);
    expect(report.notes.join('\n')).toMatch(/the service was held \(\w+\) after the drill: resumed/);
    // No `clawback resume` by hand: the service is back, not held, on the user's bytes, both names intact.
    expect((await status()).held).toBeNull();
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${d.port}/health`, 1000)).status === 200, { timeoutMs: 30_000, intervalMs: 200 });
    expect(readFileSync(d.gatewayConfig).toString()).toBe(GATEWAY_JSON);
    expect(readFileSync(other).toString()).toBe(GATEWAY_JSON);
    expect(statSync(d.gatewayConfig).ino).toBe(ino);
  }, 150_000);
});
