// The plan printed before a drill says the truth about the user's config: nuclear snapshots only a config inside the state dir and leaves one outside alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';

describe('clawback drill plan and the config file', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  }, 30_000);

  it('nuclear with the config outside the state dir: no snapshot claimed, says it is left alone (not confirmed: nothing drilled)', async () => {
    const r = await runCli(['drill', 'nuclear', '--state-dir', d.stateDir], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toContain('is snapshotted first');
    expect(r.stderr).toContain(`nuclear does not touch your config ${d.gatewayConfig}: it is outside the state dir`);
  });

  it('config-corrupt with nuclear: the snapshot is claimed for the scenario that takes it', async () => {
    const r = await runCli(['drill', 'config-corrupt,nuclear', '--state-dir', d.stateDir], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`your config ${d.gatewayConfig} is snapshotted first (memory + a private temp copy) and put back byte for byte at the end, also on Ctrl-C (config-corrupt)`);
    expect(r.stderr).toContain('nuclear does not touch your config');
  });
});

describe('clawback drill plan: a config inside the state dir whose name starts with two dots', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway', { gatewayConfigAt: 'state/..gateway.json' });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  }, 30_000);

  it('nuclear says it snapshots it (it goes aside with the state dir), never that it is outside and left alone', async () => {
    const r = await runCli(['drill', 'nuclear', '--state-dir', d.stateDir], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`your config ${d.gatewayConfig} is snapshotted first`);
    expect(r.stderr).toContain('(nuclear)');
    expect(r.stderr).not.toContain('nuclear does not touch your config');
  });
});
