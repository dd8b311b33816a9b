// What a person reads about a service that crashes at start-up: `status` says how long it ran in ms (it said "after
// 0s"), and `doctor`, whose rules find no cause, does not call a service the daemon has down "healthy".
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  if (!daemon) return;
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(15_000).catch(() => daemon!.kill());
  daemon = undefined;
});

interface DoctorJson {
  exitCode: number;
  services: Array<{ service: string; findings: unknown[]; notes?: string[]; down?: { phase: string; held?: { reason: string }; lastExit?: { code: number | null; uptimeMs: number } } }>;
}

describe('a service that exits within a second of its start', () => {
  it('reads "after N ms" in status, and "not running healthy" (not "healthy") in doctor', async () => {
    const dir = tempDir('clawback-down-words-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(
      config,
      YAML.stringify(
        markServices({
          api: { port: 0 },
          services: [
            { name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
            { name: 'quick', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '0'], restart: { intensity: { maxRestarts: 2, window: '5m' } } },
          ],
        }),
      ),
    );
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('status:', 20_000);

    const status = await waitFor(
      async () => {
        const r = await runCli(['status', '--state-dir', stateDir]);
        return r.code === 0 && /quick: last exit/.test(r.stdout) ? r.stdout : null;
      },
      { timeoutMs: 20_000, intervalMs: 300, message: 'a last exit of quick in status' },
    );
    // Before: "last exit code 3 after 0s".
    expect(status).toMatch(/quick: last exit code 3 after \d{1,3} ms/);
    expect(status).not.toMatch(/after 0s/);

    // The daemon holds it (crash loop); state.json says so once written.
    const report = await waitFor(
      async () => {
        const r = await runCli(['doctor', 'quick', '--json', '--state-dir', stateDir, '--config', config]);
        const j = JSON.parse(r.stdout) as DoctorJson;
        return j.services[0]?.down?.held ? j : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, message: 'doctor seeing quick held' },
    );
    const q = report.services[0]!;
    expect(q.findings).toEqual([]);
    expect(q.down).toMatchObject({ phase: 'held', held: { reason: 'crash-loop' }, lastExit: { code: 3 } });
    expect(q.notes?.join('\n')).toMatch(/has quick held \(crash-loop/);

    const plain = await runCli(['doctor', '--state-dir', stateDir, '--config', config]);
    expect(plain.code).toBe(0);
    // Before: "quick: healthy" for a service the daemon had stopped restarting.
    expect(plain.stdout).toMatch(/^quick: no findings, but not running healthy$/m);
    expect(plain.stdout).toMatch(/last exit code 3 after \d{1,3} ms: the rules found no cause; see its output with: .*logs quick; then: .*resume quick/);
    expect(plain.stdout).not.toMatch(/^quick: healthy$/m);
    // A service running healthy still reads "healthy".
    expect(plain.stdout).toMatch(/^web: healthy$/m);
  }, 90_000);
});
