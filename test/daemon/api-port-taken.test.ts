// The API port taken by another program: the daemon says so and exits before it starts or adopts anything, so a
// service manager that restarts it again and again does not leave one unsupervised copy of the service per attempt.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isAlive, killTree, pidRef, spawnMarked, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function holdPort(): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

describe('the API port is already taken', () => {
  it('exits 1 naming the port and its holder, with no service started, twice in a row; once the port is free it starts', async () => {
    const dir = tempDir('clawback-apiport-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const holder = await holdPort();
    cleanup.push(() => holder.close());
    const pidFile = path.join(dir, 'svc.pid');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: holder.port }, services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'write-pid-and-sleep.mjs'), pidFile] }] })));

    for (let attempt = 1; attempt <= 2; attempt++) {
      const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
      cleanup.push(() => d.kill());
      const exit = await d.waitForExit(30_000);
      expect(exit, d.stderr()).toEqual({ code: 1, signal: null });
      expect(d.stderr()).toContain(`127.0.0.1:${holder.port}: already in use by pid ${process.pid}`);
      expect(d.stderr()).toContain('no service was started or adopted');
      // Before the fix, each attempt had spawned the service and left it running, supervised by nobody.
      expect(existsSync(pidFile), `attempt ${attempt}: the service must not have been started`).toBe(false);
    }
    const journal = readJournalFile(path.join(stateDir, 'journal.jsonl'));
    expect(journal.filter((e) => e.type === 'service.started')).toEqual([]);
    expect(journal.filter((e) => e.type === 'daemon.fault' && e.details?.effect === 'api-listen')).toHaveLength(2);

    await holder.close();
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d.kill());
    const pid = await waitFor(() => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || undefined : undefined), { timeoutMs: 30_000, intervalMs: 100, message: 'the service started once the port was free' });
    const ref = pidRef(pid);
    cleanup.push(() => killTree(ref));
    await waitFor(() => d.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon is running' });
    process.kill(d.pid, 'SIGTERM');
    expect(await d.waitForExit(30_000), d.stderr()).toEqual({ code: 0, signal: null });
    expect(isAlive(pid)).toBe(false);
  });
});
