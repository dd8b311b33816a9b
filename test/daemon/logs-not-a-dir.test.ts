// A file (or a FIFO, a dangling link) in the state dir's logs/ place made the daemon refuse to start ("cannot mkdir
// .../logs: something else already exists there", services unsupervised). It is moved aside as logs.not-a-dir-<time>,
// kept as evidence and named, and the daemon starts and supervises.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { killLoggedCopies, loggedCopies, recordingCommand } from './pid-log.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { moveAsideNonDir } from '../../src/platform/private-dir.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const asides = (stateDir: string): string[] => readdirSync(stateDir).filter((n) => n.startsWith('logs.not-a-dir-'));

describe('something other than a directory in logs/ place', () => {
  it('a regular file at boot: moved aside (kept, named), the daemon starts and supervises', async () => {
    const dir = tempDir('clawback-logs-not-dir-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const pidLog = path.join(dir, 'pids');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    writeFileSync(path.join(stateDir, 'logs'), 'evidence');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: recordingCommand(pidLog) }] })));
    cleanup.push(() => killLoggedCopies(pidLog));
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d.kill());
    await waitFor(() => d.stdout().includes('clawback running') || d.exitInfo() !== undefined, { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs or ends' });
    expect(d.exitInfo(), d.stderr()).toBeUndefined();
    await waitFor(() => loggedCopies(pidLog).length > 0 || undefined, { timeoutMs: 20_000, intervalMs: 50, message: 'the service started' });
    expect(statSync(path.join(stateDir, 'logs')).isDirectory()).toBe(true);
    expect(asides(stateDir)).toHaveLength(1);
    expect(readFileSync(path.join(stateDir, asides(stateDir)[0]!), 'utf8')).toBe('evidence');
    expect(d.stdout() + d.stderr()).toContain(`was not a directory: moved aside to ${path.join(stateDir, asides(stateDir)[0]!)}`);
    await waitFor(() => readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8').includes('"effect":"logs-dir"') || undefined, { timeoutMs: 10_000, intervalMs: 50, message: 'the journal names it' });
  }, 60_000);

  it('a FIFO and a dangling link are moved aside; a directory and a link to one are kept', () => {
    const dir = tempDir('clawback-logs-not-dir-unit-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const fifo = path.join(dir, 'a');
    execFileSync('mkfifo', [fifo]);
    expect(lstatSync(moveAsideNonDir(fifo, Date.now())!).isFIFO()).toBe(true);
    const dangling = path.join(dir, 'b');
    symlinkSync(path.join(dir, 'nowhere'), dangling);
    expect(lstatSync(moveAsideNonDir(dangling, Date.now())!).isSymbolicLink()).toBe(true);
    mkdirSync(path.join(dir, 'c'));
    expect(moveAsideNonDir(path.join(dir, 'c'), Date.now())).toBeUndefined();
    symlinkSync(path.join(dir, 'c'), path.join(dir, 'd'));
    expect(moveAsideNonDir(path.join(dir, 'd'), Date.now())).toBeUndefined();
    expect(moveAsideNonDir(path.join(dir, 'missing'), Date.now())).toBeUndefined();
  });
});
