// scale.json was read whole, unbounded, by the config loader: a 36 MB one took `clawback validate` 7.6 s and 435 MB,
// and with the heap set by NODE_OPTIONS (which the loader inherits) it killed the loader, then the daemon, at every
// start (exit 134); a FIFO in its place never ended the read. It is now read bounded, said, and kept aside by the daemon.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, readJournalFile } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { steadyDaemonDirs, stopSpawnedDaemon } from '../daemon/steady-daemon.js';

/** A scale.json of the right shape, padded to `bytes` with tiny arrays (each 4 bytes of text costs tens once parsed). */
function heavyScaleFile(file: string, bytes: number): void {
  const entry = '"steady":{"instances":1,"fileInstances":null,"by":"cli","at":1}';
  writeFileSync(file, `{"version":1,"services":{${entry}},"pad":[${new Array(Math.floor(bytes / 4)).fill('[1]').join(',')}]}`);
}

let daemon: MarkedChild | undefined;
afterEach(async () => {
  await stopSpawnedDaemon(daemon);
  daemon = undefined;
});

describe('scale.json read bounded', () => {
  it('a 21 MB scale.json with NODE_OPTIONS=--max-old-space-size=32: the daemon starts, keeps the file aside and says why', async () => {
    const { config, stateDir } = steadyDaemonDirs('clawback-scale-bound-', { makeStateDir: true });
    const file = path.join(stateDir, 'scale.json');
    heavyScaleFile(file, 21 * 1024 * 1024);
    const size = statSync(file).size;
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir], { env: { NODE_OPTIONS: '--max-old-space-size=32' } });
    const d = daemon;
    const outcome = await waitFor(() => readJournalFile(path.join(stateDir, 'journal.jsonl')).find((e) => e.type === 'daemon.started') ?? d.exitInfo(), {
      timeoutMs: 45_000,
      message: "daemon.started or the daemon's exit",
    });
    expect((outcome as { type?: string }).type, `the daemon died: ${JSON.stringify(d.exitInfo())}; stderr: ${d.stderr().slice(-600)}`).toBe('daemon.started');
    const aside = readdirSync(stateDir).find((f) => f.startsWith('scale.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(statSync(path.join(stateDir, aside!)).size).toBe(size); // kept whole as evidence
    expect(d.stdout()).toMatch(new RegExp(`scale\\.json was ${size} bytes, over the \\d+ bytes this daemon reads whole \\(not read\\)`));
  }, 90_000);

  it('`clawback validate` with a 12 MB scale.json: fast, and warns naming the file, its size and the bound', async () => {
    const { config, stateDir } = steadyDaemonDirs('clawback-scale-bound-cli-', { makeStateDir: true });
    const file = path.join(stateDir, 'scale.json');
    heavyScaleFile(file, 12 * 1024 * 1024);
    const size = statSync(file).size;
    const r = await runCli(['validate', '--config', config, '--state-dir', stateDir], { timeoutMs: 30_000, env: { NODE_OPTIONS: '--max-old-space-size=32' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${file} is ${size} bytes, over the `);
    expect(r.stderr).toContain("the config file's instance counts apply");
    expect(statSync(file).size).toBe(size); // the CLI only reads: the file stays for the daemon to keep aside
  }, 60_000);

  it('a FIFO as scale.json: `clawback validate` answers (the read never ended) and names it', async () => {
    const { config, stateDir } = steadyDaemonDirs('clawback-scale-fifo-', { makeStateDir: true });
    execFileSync('mkfifo', [path.join(stateDir, 'scale.json')]);
    const r = await runCli(['validate', '--config', config, '--state-dir', stateDir], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/scale\.json is a FIFO, not a regular file: not read; the config file's instance counts apply/);
  }, 30_000);
});
