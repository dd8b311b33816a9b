// A directory in daemon.json's place (made by a person, a restore or a bad copy) failed every heartbeat with EISDIR:
// the daemon stayed degraded for good and every CLI call waited 10 s, then said the daemon was "still starting" (exit 3).
// It is moved aside as daemon.json.corrupt-<time>, kept as evidence and named, and the heartbeat is written again.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { killLoggedCopies, recordingCommand } from './pid-log.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function asides(stateDir: string): string[] {
  return readdirSync(stateDir).filter((n) => n.startsWith('daemon.json.corrupt-'));
}

describe('a directory in daemon.json\'s place', () => {
  it('at boot and during the run: moved aside (kept, named), the heartbeat written, the CLI answered', async () => {
    const dir = tempDir('clawback-daemon-json-dir-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const pidLog = path.join(dir, 'pids');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    mkdirSync(path.join(stateDir, 'daemon.json'), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(stateDir, 'daemon.json', 'inside'), 'evidence');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: recordingCommand(pidLog) }] })));
    cleanup.push(() => killLoggedCopies(pidLog));
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d.kill());
    await waitFor(() => d.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });

    const file = path.join(stateDir, 'daemon.json');
    await waitFor(() => (existsSync(file) && statSync(file).isFile()) || undefined, { timeoutMs: 10_000, intervalMs: 50, message: 'daemon.json written as a file' });
    expect(asides(stateDir)).toHaveLength(1);
    expect(readFileSync(path.join(stateDir, asides(stateDir)[0]!, 'inside'), 'utf8')).toBe('evidence');
    const status = await runCli(['status', '--config', config, '--state-dir', stateDir, '--json'], { timeoutMs: 20_000 });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).services.map((s: { name: string }) => s.name)).toEqual(['svc']);

    // The same during the run: a directory made where daemon.json was.
    rmSync(file);
    mkdirSync(file);
    await waitFor(() => (asides(stateDir).length === 2 && statSync(file).isFile()) || undefined, { timeoutMs: 10_000, intervalMs: 50, message: 'the second directory moved aside' });
    const journal = readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; message: string });
    const said = journal.filter((e) => e.type === 'daemon.fault' && e.message.startsWith('daemon.json was a directory'));
    expect(said.length).toBeGreaterThanOrEqual(1);
    expect(said[0]!.message).toContain(asides(stateDir).sort()[0]!);
    expect(d.exitInfo()).toBeUndefined();
  }, 90_000);
});
