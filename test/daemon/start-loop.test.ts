// A daemon that dies during its own start, again and again (heap out of memory reading state.json: exit 134, nothing
// journaled), was restarted for ever in silence: each start notes itself in start-attempts.json, and the start after
// three such deaths says so (stderr, journal, alert, status) and moves the file it died reading aside, unread.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, readJournalFile, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { steadyDaemonDirs, stopSpawnedDaemon } from './steady-daemon.js';
import { START_ATTEMPTS_FILE, START_LOOP_ATTEMPTS, noteStartAttempt } from '../../src/daemon/start-attempts.js';

let daemon: MarkedChild | undefined;
let daemonStateDir: string | undefined;
afterEach(async () => {
  // Given the state dir: a start that lived (it should have died) leaves no service behind either.
  await stopSpawnedDaemon(daemon, daemonStateDir);
  daemon = undefined;
  daemonStateDir = undefined;
});

describe('a daemon that dies during its own start', () => {
  it('three real starts die of heap out of memory reading state.json; the fourth says so and starts without it', async () => {
    const { dir, config, stateDir } = steadyDaemonDirs('clawback-start-loop-', { makeStateDir: true });
    // 2 MiB of tiny nested arrays: well under the bound on a 32 MiB heap (1/8 of what is left: ~3 MiB with the daemon's
    // ~8 MiB at rest; 3 MiB of `[1]` was over it once the resting heap grew), yet about 20 times that once parsed.
    const stateFile = path.join(stateDir, 'state.json');
    writeFileSync(stateFile, `{"version":1,"services":{},"pad":[${new Array(Math.floor((2 * 1024 * 1024) / 7)).fill('[[[]]]').join(',')}]}`);
    const size = statSync(stateFile).size;
    const args = ['--max-old-space-size=32', CLI, 'run', '--config', config, '--state-dir', stateDir];
    daemonStateDir = stateDir;
    for (let i = 1; i <= START_LOOP_ATTEMPTS; i++) {
      const dying = spawnMarked(NODE, args);
      daemon = dying;
      const exit = await dying.waitForExit(30_000);
      expect(exit.code ?? exit.signal, dying.stderr().slice(-400)).not.toBe(0);
      const note = JSON.parse(readFileSync(path.join(stateDir, START_ATTEMPTS_FILE), 'utf8')) as { count: number; phase: string };
      expect(note).toMatchObject({ count: i, phase: 'reading state.json' });
    }
    daemon = spawnMarked(NODE, args);
    const d = daemon;
    const journal = path.join(stateDir, 'journal.jsonl');
    const outcome = await waitFor(() => readJournalFile(journal).find((e) => e.type === 'daemon.started') ?? d.exitInfo(), { timeoutMs: 30_000, message: "daemon.started or the daemon's exit" });
    expect((outcome as { type?: string }).type, `the daemon died: ${JSON.stringify(d.exitInfo())}; stderr: ${d.stderr().slice(-600)}`).toBe('daemon.started');

    expect(d.stderr()).toMatch(/the last 3 starts of this clawback daemon ended before it started .*died while reading state\.json/);
    const event = readJournalFile(journal).find((e) => e.type === 'daemon.died');
    expect(event?.severity).toBe('critical');
    const movedTo = (event?.details as { movedTo?: string }).movedTo!;
    expect(event?.message).toContain(`state.json (${size} bytes) moved aside unread as ${movedTo}`);
    expect(statSync(movedTo).size).toBe(size); // evidence kept whole
    // Started: the note is gone, so the next start is an ordinary one.
    await waitFor(() => !existsSync(path.join(stateDir, START_ATTEMPTS_FILE)), { timeoutMs: 10_000, message: 'start-attempts.json removed' });

    const st = await runCli(['status', '--state-dir', stateDir, '--config', config], { timeoutMs: 30_000 });
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toContain('PREVIOUS DAEMON DIED: the last 3 starts');
  }, 120_000);

  it('a start refused with its reason said (the API port taken) is not counted as a silent death', async () => {
    const { dir, config, stateDir } = steadyDaemonDirs('clawback-start-refused-');
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const port = (holder.address() as AddressInfo).port;
      const refused = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir, '--api-port', String(port)]);
      const exit = await refused.waitForExit(30_000);
      expect(exit.code, refused.stderr()).toBe(1);
      expect(existsSync(path.join(stateDir, START_ATTEMPTS_FILE))).toBe(false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 60_000);

  it('counts only starts in a row: a cleared note starts the count over', () => {
    const dir = tempDir();
    let now = 1000;
    const first = noteStartAttempt(dir, 11, () => now);
    expect(first.previous).toBeUndefined();
    now += 1000;
    const second = noteStartAttempt(dir, 12, () => now);
    expect(second.previous).toMatchObject({ count: 1, pid: 11, phase: 'starting' });
    second.phase('reading state.json');
    const third = noteStartAttempt(dir, 13, () => now);
    expect(third.previous).toMatchObject({ count: 2, pid: 12, phase: 'reading state.json' });
    third.clear();
    expect(noteStartAttempt(dir, 14, () => now).previous).toBeUndefined();
    writeFileSync(path.join(dir, START_ATTEMPTS_FILE), 'not json');
    expect(noteStartAttempt(dir, 15, () => now).previous).toBeUndefined(); // an unreadable note counts as none
  });
});
