// `clawback doctor --fix` handed to the daemon must not call a service healthy that the daemon still holds at Level 4.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('doctor --fix through the daemon on a held service', () => {
  it('says "no findings, but not running healthy" with the hold, not "healthy ... verified against the running service"', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    const svc = { name: 'svc', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '100'], restart: { backoff: { initial: '50ms', max: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '10m' } } };
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [svc] })));
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d.kill());
    await d.waitForStdout('dashboard:', 20_000);
    const status = (): string | undefined => {
      try {
        return (JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { incident: { status: string } | null }> }).services.svc?.incident?.status;
      } catch {
        return undefined;
      }
    };
    await waitFor(() => status() === 'waiting-human', { timeoutMs: 30_000, intervalMs: 50 });
    const r = await runCli(['doctor', 'svc', '--fix', '--config', config, '--state-dir', stateDir], { timeoutMs: 40_000 });
    expect(r.stdout).toMatch(/^svc: no findings, but not running healthy$/m);
    expect(r.stdout).toMatch(/has svc held \(crash-loop/);
    expect(r.stdout).not.toMatch(/verified against the running service/);
    d.signal('SIGINT');
    await d.waitForExit(30_000);
  });
});
