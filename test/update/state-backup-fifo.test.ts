// A FIFO named as the service's config (or exactly in update.stateFiles) hung the update's backup: open() on a FIFO
// blocks until a writer comes, with the service already stopped, and the blocked open held even the daemon's exit; a
// FIFO named exactly in update.stateFiles was left out without a word. Now the backup refuses it by its type, named.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { takeBackup } from '../../src/update/state-backup.js';
import { waitFor } from '../helpers/processes.js';

/**
 * takeBackup, bounded: when it is still waiting after 20 s (an open() blocked on a FIFO), a writer opens the FIFO and
 * closes it at once, which lets the blocked open (and the worker thread it holds) go, and the answer is 'hung'.
 */
async function backupBounded(dir: string, files: string[], patterns: string[], fifo: string): Promise<{ ok?: string[]; error?: string } | 'hung'> {
  let settled = false;
  const run = takeBackup(path.join(dir, 'bk'), files, patterns, 1).then(
    (m) => ({ ok: m.entries.map((e) => e.file) }),
    (e: Error) => ({ error: e.message }),
  ).finally(() => (settled = true));
  try {
    await waitFor(async () => settled, { timeoutMs: 20_000, intervalMs: 100 });
  } catch {
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    closeSync(fd);
    await run;
    return 'hung';
  }
  return run;
}

describe('a FIFO or socket among the files to back up (real mkfifo, real socket)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
  });

  it('refuses a FIFO named as the config file, naming it and its type, without hanging', async () => {
    const dir = tempDir('clawback-fifo-');
    dirs.push(dir);
    const fifo = path.join(dir, 'gw.json');
    execFileSync('mkfifo', [fifo]);
    const r = await backupBounded(dir, [fifo], [], fifo);
    expect(r).not.toBe('hung');
    expect((r as { error?: string }).error).toMatch(new RegExp(`${fifo.replace(/[.]/g, '\\.')} is a FIFO, not a regular file`));
  }, 60_000);

  it('refuses a FIFO or a socket named exactly in update.stateFiles; a glob still takes the regular files only', async () => {
    const dir = tempDir('clawback-fifo-');
    dirs.push(dir);
    const fifo = path.join(dir, 'pipe.db');
    execFileSync('mkfifo', [fifo]);
    await fs.writeFile(path.join(dir, 'main.db'), 'rows\n');
    const r = await backupBounded(dir, [], [fifo], fifo);
    expect((r as { error?: string }).error).toMatch(/pipe\.db is a FIFO/);
    const g = await backupBounded(dir, [], [path.join(dir, '*.db')], fifo);
    expect(g).toEqual({ ok: [path.join(dir, 'main.db')] });

    const sock = path.join(dir, 's.sock');
    const server = net.createServer().listen(sock);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const s = await backupBounded(dir, [], [sock], fifo);
      expect((s as { error?: string }).error).toMatch(/s\.sock is a socket, not a regular file/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 90_000);
});
