// A read-only state dir (EROFS): the daemon the guardian starts directly cannot even open logs/daemon.out.log, so it
// never runs. The pass still waited ~20 s for a heartbeat that could not come and said "did not come back in time";
// now it ends the wait at once and says why.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { killTree, pidRef, processesWithArgs } from '../helpers/processes.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.unmount();
});

let tag: string | undefined;
afterEach(() => {
  for (const pid of tag ? processesWithArgs(tag) : []) killTree(pidRef(pid));
  tag = undefined;
});

describe('guardian: a read-only state dir', () => {
  it('says at once that the daemon could not be started (EROFS), without waiting for a heartbeat', async () => {
    const dir = tempDir('clawback-ro-start-');
    const configPath = path.join(dir, 'clawback.yaml');
    const port = await freePort();
    tag = `ro-start-${process.pid}-${port}`;
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs'), tag] }] })));
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
    execFileSync('mount', ['-o', 'remount,ro', disk.dir], { stdio: 'pipe' });
    const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 90_000, env: { TMPDIR: dir, XDG_RUNTIME_DIR: '' } });
    const report = JSON.parse(g.stdout) as { outcome: string; actions: string[]; errors: string[]; durationMs: number; daemonExit?: { error?: string } };
    const said = [...report.actions, ...report.errors].join('\n');
    expect(g.code).toBe(1);
    expect(report.outcome, said).toBe('daemon-down');
    expect(report.daemonExit?.error, said).toMatch(/EROFS.*daemon\.out\.log/);
    expect(said).toMatch(/the daemon it started could not be spawned \(EROFS/);
    expect(said).not.toMatch(/did not come back with a fresh heartbeat in time/);
    // The pass's wait for a heartbeat was 20 s (30 s bound less the 10 s kept for the services); the pass itself is quick.
    expect(report.durationMs, said).toBeLessThan(12_000);
  }, 120_000);
});
