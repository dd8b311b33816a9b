// `--service web` for a service run as `instances: 2` (web:0, web:1): the drill named it unknown ("no service named
// web", exit 4) though the config has it; it must say web is a group and name an instance to drill, touching nothing.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, FIXTURES, markServices, tempDir } from '../helpers/daemon.js';
import { CLI as CLI_MAIN, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

describe('drill --service naming an instance group', () => {
  let dir: string;
  let stateDir: string;
  let daemon: MarkedChild;
  beforeAll(async () => {
    dir = tempDir('clawback-drill-group-');
    stateDir = path.join(dir, 'state');
    const port = await freePort();
    const config = path.join(dir, 'clawback.yaml');
    const service = { name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], port, instances: 2, drillable: true };
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [service] })));
    daemon = spawnMarked(NODE, [CLI_MAIN, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('dashboard:', 20_000);
    await waitFor(async () => {
      const j = JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: Array<{ pid: number | null }> };
      return j.services.length === 2 && j.services.every((s) => s.pid !== null);
    }, { timeoutMs: 20_000, intervalMs: 200 });
  }, 60_000);
  afterAll(async () => {
    // SIGTERM: the daemon stops both instances (their own process groups) before it exits.
    daemon?.signal('SIGTERM');
    await daemon?.waitForExit(15_000).catch(() => undefined);
    daemon?.kill();
  });

  it('refuses (exit 2) naming the group and its instances, and the instances keep their pids', async () => {
    const before = (JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: Array<{ name: string; pid: number }> }).services;
    const r = await runCli(['drill', 'crash', '--service', 'web', '--yes', '--state-dir', stateDir], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"web" is a group of 2 instance(s) (web:0, web:1)');
    expect(r.stderr).toContain('--service web:0');
    const after = (JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: Array<{ name: string; pid: number }> }).services;
    expect(after.map((s) => [s.name, s.pid])).toEqual(before.map((s) => [s.name, s.pid]));
  }, 90_000);
});
