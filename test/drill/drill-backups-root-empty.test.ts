// After a drill put every file back, no empty `<stateDir>.drill-backups/` is left beside the state dir; one holding a backup a person may need stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { drilledStatus, GATEWAY_JSON, startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import { guardFile, handOverGuard, releaseGuard, restoreFile } from '../../src/drill/file-guard.js';
import { drillBackupRoot } from '../../src/drill/drill-leftovers.js';

describe("the drill backups root beside the state dir", () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  }, 30_000);

  it('config-corrupt that put the bytes back leaves no empty backups dir', async () => {
    await waitFor(async () => (await drilledStatus<{ state: string }>(d.stateDir)).state === 'running' && (await httpGet(`http://127.0.0.1:${d.port}/health`, 1000)).status === 200, { timeoutMs: 30_000 });
    const r = await runCli(['drill', 'config-corrupt', '--yes', '--timeout', '30', '--report', path.join(d.dir, 'cc.md'), '--state-dir', d.stateDir], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(d.gatewayConfig, 'utf8')).toBe(GATEWAY_JSON);
    expect(existsSync(`${d.stateDir}.drill-backups`)).toBe(false);
  }, 120_000);

  it('a backup handed over to the user keeps the dir; releasing the last one removes it', () => {
    const root = drillBackupRoot(d.stateDir);
    const a = path.join(d.dir, 'a.json');
    const b = path.join(d.dir, 'b.json');
    writeFileSync(a, '{"a":1}\n');
    writeFileSync(b, '{"b":1}\n');
    const ga = guardFile(a, root);
    const gb = guardFile(b, root);
    writeFileSync(a, '{"a":"edited by a person"}\n');
    handOverGuard(ga);
    releaseGuard(ga); // not intact: its backup is the user's now
    expect(restoreFile(gb)).toBe('unchanged');
    releaseGuard(gb);
    expect(readdirSync(root)).toEqual([path.basename(path.dirname(ga.backupPath!))]);
    writeFileSync(a, '{"a":1}\n');
    releaseGuard(ga);
    expect(existsSync(root)).toBe(false);
  });
});
