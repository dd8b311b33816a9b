// A state.json under the 64 MiB bound but far more than a small heap can parse killed the daemon at every start
// ("JavaScript heap out of memory" in JSON.parse, exit 134, nothing journaled): it is now moved aside unread.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';
import { NODE, readJournalFile, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { steadyDaemonDirs, stopSpawnedDaemon } from './steady-daemon.js';
import { STATE_MAX_BYTES, StateStore } from '../../src/daemon/state-store.js';
import { wholeReadLimit } from '../../src/daemon/heap-watch.js';

/** A JSON state of `bytes` made of tiny arrays: each 4 bytes of text costs tens of bytes once parsed. */
function heavyState(file: string, bytes: number): void {
  writeFileSync(file, `{"version":1,"services":{},"pad":[${new Array(Math.floor(bytes / 4)).fill('[1]').join(',')}]}`);
}

let daemon: MarkedChild | undefined;
afterEach(async () => {
  await stopSpawnedDaemon(daemon);
  daemon = undefined;
});

describe('state.json bigger than the heap can parse', () => {
  it('a real daemon at --max-old-space-size=32 with a 21 MB state.json starts, keeping the file aside and saying why', async () => {
    const { dir, config, stateDir } = steadyDaemonDirs('clawback-state-heap-', { makeStateDir: true });
    heavyState(path.join(stateDir, 'state.json'), 21 * 1024 * 1024);
    const size = statSync(path.join(stateDir, 'state.json')).size;
    daemon = spawnMarked(NODE, ['--max-old-space-size=32', CLI, 'run', '--config', config, '--state-dir', stateDir]);
    const d = daemon;
    // The journaled start, or the daemon's exit (then the assertion fails at once, naming it).
    const outcome = await waitFor(() => readJournalFile(path.join(stateDir, 'journal.jsonl')).find((e) => e.type === 'daemon.started') ?? d.exitInfo(), { timeoutMs: 30_000, message: 'daemon.started or the daemon\'s exit' });
    expect((outcome as { type?: string }).type, `the daemon died: ${JSON.stringify(d.exitInfo())}; stderr: ${d.stderr().slice(-600)}`).toBe('daemon.started');
    const aside = readdirSync(stateDir).find((f) => f.startsWith('state.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(statSync(path.join(stateDir, aside!)).size).toBe(size); // kept whole as evidence
    expect(d.stdout()).toMatch(new RegExp(`state file was ${size} bytes, over the \\d+ bytes this daemon's small heap can parse`));
    const lost = readJournalFile(path.join(stateDir, 'journal.jsonl')).find((e) => e.type === 'daemon.history-lost');
    expect(lost?.message).toContain('small heap');
  }, 60_000);

  it('a 21 MB scale.json at --max-old-space-size=32: the daemon starts, the file kept aside unread and named with its size', async () => {
    const { dir, config, stateDir } = steadyDaemonDirs('clawback-scale-heap-', { makeStateDir: true });
    heavyState(path.join(stateDir, 'scale.json'), 21 * 1024 * 1024);
    const size = statSync(path.join(stateDir, 'scale.json')).size;
    daemon = spawnMarked(NODE, ['--max-old-space-size=32', CLI, 'run', '--config', config, '--state-dir', stateDir]);
    const d = daemon;
    const outcome = await waitFor(() => readJournalFile(path.join(stateDir, 'journal.jsonl')).find((e) => e.type === 'daemon.started') ?? d.exitInfo(), { timeoutMs: 30_000, message: "daemon.started or the daemon's exit" });
    expect((outcome as { type?: string }).type, `the daemon died: ${JSON.stringify(d.exitInfo())}; stderr: ${d.stderr().slice(-600)}`).toBe('daemon.started');
    const aside = readdirSync(stateDir).find((f) => f.startsWith('scale.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(statSync(path.join(stateDir, aside!)).size).toBe(size);
    expect(d.stdout()).toMatch(new RegExp(`scale\\.json was ${size} bytes, over the \\d+ bytes this daemon reads whole \\(not read\\)`));
  }, 60_000);

  it('the bound is 64 MiB on a large heap and 1/8 of the heap left on a small one', () => {
    const MiB = 1024 * 1024;
    expect(wholeReadLimit(STATE_MAX_BYTES, () => ({ usedBytes: 100 * MiB, limitBytes: 4096 * MiB }))).toBe(STATE_MAX_BYTES);
    expect(wholeReadLimit(STATE_MAX_BYTES, () => ({ usedBytes: 8 * MiB, limitBytes: 48 * MiB }))).toBe(5 * MiB);
    expect(wholeReadLimit(STATE_MAX_BYTES, () => ({ usedBytes: 0, limitBytes: 0 }))).toBe(STATE_MAX_BYTES);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ version: 1, services: {}, pad: 'x'.repeat(2 * MiB) }));
    const loaded = new StateStore(dir, Date.now, () => ({ usedBytes: 8 * MiB, limitBytes: 16 * MiB })).load();
    expect(loaded.tooLarge).toBeGreaterThan(MiB);
    expect(loaded.maxBytes).toBe(MiB);
    expect(existsSync(loaded.corruptMovedTo!)).toBe(true);
  });
});
