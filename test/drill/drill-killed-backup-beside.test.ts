// A drill SIGKILLed mid-fault keeps the user's bytes beside the state dir: found by `status` and put back by the next daemon start, whatever their $TMPDIR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { GATEWAY_JSON, startDrillDaemon, type DrillDaemon } from './drill-daemon.js';

describe('a drill SIGKILLed during slow-start, its TMPDIR not the daemon\'s', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  }, 30_000);

  it('status names the change from another TMPDIR, and the next daemon start puts the user config back and says so', async () => {
    const tmpA = path.join(d.dir, 'tmp-a');
    const tmpB = path.join(d.dir, 'tmp-b');
    mkdirSync(tmpA);
    mkdirSync(tmpB);
    const killed = spawnMarked(NODE, [CLI, 'drill', 'slow-start', '--timeout', '40', '--yes', '--state-dir', d.stateDir], { env: { TMPDIR: tmpA } });
    await waitFor(() => readFileSync(d.gatewayConfig, 'utf8').includes('startupDelayMs'), { timeoutMs: 30_000, intervalMs: 20 });
    process.kill(killed.pid, 'SIGKILL');
    await killed.waitForExit(10_000);
    expect(readFileSync(d.gatewayConfig, 'utf8')).toContain('startupDelayMs');
    // Nothing of the user's is left in the drill's $TMPDIR, where only a shell with that TMPDIR would look.
    expect(readdirSync(tmpA)).toEqual([]);

    const status = await runCli(['status', '--state-dir', d.stateDir], { env: { TMPDIR: tmpB } });
    expect(status.stdout).toContain(`DRILL LEFT A FILE CHANGED: ${d.gatewayConfig}`);

    await d.stop();
    d.daemon = spawnMarked(NODE, [CLI, 'run', '--config', d.config, '--state-dir', d.stateDir], { env: { TMPDIR: tmpB } });
    await d.daemon.waitForStdout('dashboard:', 30_000);
    expect(readFileSync(d.gatewayConfig).toString()).toBe(GATEWAY_JSON);
    expect(d.daemon.stdout() + d.daemon.stderr()).toContain(`put back ${d.gatewayConfig}`);
    // The event is journaled too (written shortly after the start).
    await waitFor(() => readFileSync(path.join(d.stateDir, 'journal.jsonl'), 'utf8').includes('"effect":"drill-leftover"'), { timeoutMs: 15_000, intervalMs: 100 });
    expect(existsSync(`${d.stateDir}.drill-backups`)).toBe(false);
  }, 120_000);
});
