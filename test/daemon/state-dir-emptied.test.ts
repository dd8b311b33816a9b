// The state dir replaced by an empty one under a live daemon (rm -rf + mkdir, a restore from a backup): daemon.json,
// the lock and the journal came back within a heartbeat, but not state.json (until the next change), not the API token
// (until the CLI's first refused call) and not the dir's 0700 mode. They now come back with the lock.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { killLoggedCopies, recordingCommand } from './pid-log.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

describe('the state dir emptied under a live daemon', () => {
  it('gets state.json, the same API token and mode 0700 back with the lock', async () => {
    const dir = tempDir('clawback-state-emptied-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const pidLog = path.join(dir, 'pids');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: recordingCommand(pidLog) }] })));
    cleanup.push(() => killLoggedCopies(pidLog));
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d.kill());
    await waitFor(() => d.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
    await waitFor(() => existsSync(path.join(stateDir, 'state.json')) || undefined, { timeoutMs: 30_000, intervalMs: 50, message: 'state.json written' });
    const token = readFileSync(path.join(stateDir, 'token'), 'utf8').trim();

    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { mode: 0o755 });
    await waitFor(() => existsSync(path.join(stateDir, 'daemon.lock')) || undefined, { timeoutMs: 20_000, intervalMs: 50, message: 'daemon.lock taken back' });
    await waitFor(() => (existsSync(path.join(stateDir, 'state.json')) && existsSync(path.join(stateDir, 'token'))) || undefined, {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: 'state.json and the token written back with the lock, no change or CLI call needed',
    });
    expect(readFileSync(path.join(stateDir, 'token'), 'utf8').trim(), 'the token the API checks').toBe(token);
    const saved = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, unknown> };
    expect(Object.keys(saved.services)).toEqual(['svc']);
    expect((statSync(stateDir).mode & 0o777).toString(8)).toBe('700');
    expect(readFileSync(path.join(stateDir, 'logs', 'daemon.log'), 'utf8')).toContain('open to other users');
    expect(d.exitInfo()).toBeUndefined();
  });
});
