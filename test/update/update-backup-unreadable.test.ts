// A state file the backup cannot copy (here larger than update.backupLimit, 4 GiB by default) was left out without a word: the update
// went on, and its rollback kept what the new version had made of that file while saying "rolled back". Now the backup
// fails, names the file and its size, and the service is started again as it was, never switched. A state file named by
// its exact path that is a symbolic link was left out the same way (only globs keep from following links).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';
import { tempDir } from '../helpers/daemon.js';
import { DEFAULT_BACKUP_LIMIT_BYTES, takeBackup } from '../../src/update/state-backup.js';
import { waitFor } from '../helpers/processes.js';

// Sparse: truncate() extends the file without writing a block, so no disk is used and nothing reads it whole.
const HUGE = 5 * 2 ** 30;

async function tail(file: string, n: number): Promise<string> {
  const fd = await fs.open(file);
  try {
    const { size } = await fd.stat();
    const b = Buffer.alloc(n);
    const { bytesRead } = await fd.read(b, 0, n, Math.max(0, size - n));
    return b.subarray(0, bytesRead).toString('utf8').replace(/\0+/g, '');
  } finally {
    await fd.close();
  }
}

describe('takeBackup never leaves out a file it cannot copy', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.realpath(tempDir('clawback-backup-huge-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a file over the bound fails the backup with its name and size; a matched file that is gone is skipped', async () => {
    const state = path.join(dir, 'state');
    await fs.mkdir(state);
    await fs.writeFile(path.join(state, 'a.db'), 'rows\n');
    await fs.writeFile(path.join(state, 'big.db'), '');
    await fs.truncate(path.join(state, 'big.db'), HUGE);
    expect(HUGE).toBeGreaterThan(DEFAULT_BACKUP_LIMIT_BYTES);
    await expect(takeBackup(path.join(dir, 'b1'), [], [path.join(state, '*.db')], 1)).rejects.toThrow(`${path.join(state, 'big.db')} is 5.0 GiB), more than update.backupLimit (4.0 GiB)`);
    await expect(fs.access(path.join(dir, 'b1', 'manifest.json'))).rejects.toThrow();
    await fs.rm(path.join(state, 'big.db'));
    // A configured file that does not exist (nor its directory) is still no error: there is nothing to put back.
    const m = await takeBackup(path.join(dir, 'b2'), [path.join(dir, 'missing.json'), path.join(dir, 'a.db', 'x')], [path.join(state, '*.db')], 1);
    expect(m.entries.map((e) => e.file)).toEqual([path.join(state, 'a.db')]);
  });
});

describe('clawback update with a state file the backup cannot copy (real daemon, fake package)', () => {
  let h: UpdateHarness;
  beforeAll(async () => {
    h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['1.1.0', 'good']] });
  }, 240_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('is not applied: the backup step says which file and why, the old version serves again, the file is untouched by the new one', async () => {
    await fs.truncate(h.statePath, HUGE);
    const r = await h.update('1.1.0');
    expect(r.status).toBe(202);
    const view = await h.finished(r.body.runId);
    const report = view.report!;
    expect(report.outcome, report.message).toBe('failed');
    expect(report.message).toContain(`backup refused before anything was stopped: the state files to back up come to 5.0 GiB (the largest: ${h.statePath} is 5.0 GiB), more than update.backupLimit (4.0 GiB)`);
    expect(report.message).toContain('still on 1.0.0');
    // Refused before the service was stopped (it was stopped, refused, and started again).
    expect(report.steps.map((s) => s.step)).toEqual(['install', 'validate']);
    expect(await h.current()).toBe('1.0.0');
    await waitFor(async () => (await h.version()) === '1.0.0', { timeoutMs: 60_000 });
    // Only the old version opened it, never 1.1.0.
    expect(await tail(h.statePath, 200)).not.toContain('1.1.0');
    const failed = h.td.events.find((e) => e.type === 'update.failed' && (e.details as { runId?: string })?.runId === r.body.runId);
    expect(failed?.message).toContain(`${h.statePath} is 5.0 GiB`);
  }, 120_000);
});

describe('takeBackup of a state file named by its path that is a symbolic link', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.realpath(tempDir('clawback-backup-link-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('copies it and puts its bytes back through the link on restore; a glob still does not follow links', async () => {
    const { readBackup, restoreBackup } = await import('../../src/update/state-backup.js');
    const state = path.join(dir, 'state');
    const elsewhere = path.join(dir, 'disk2');
    await fs.mkdir(state);
    await fs.mkdir(elsewhere);
    await fs.writeFile(path.join(elsewhere, 'main.db'), 'rows v1\n');
    await fs.symlink(path.join(elsewhere, 'main.db'), path.join(state, 'main.db'));
    await fs.writeFile(path.join(elsewhere, 'other.db'), 'other\n');
    await fs.symlink(path.join(elsewhere, 'other.db'), path.join(state, 'other.db'));
    const b = path.join(dir, 'b');
    const m = await takeBackup(b, [], [path.join(state, 'main.db'), path.join(state, 'o*.db')], 1);
    expect(m.entries.map((e) => [e.file, e.link])).toEqual([[path.join(state, 'main.db'), path.join(elsewhere, 'main.db')]]);
    // The new version migrates the database through the link.
    await fs.writeFile(path.join(state, 'main.db'), 'rows v2\n');
    const r = await restoreBackup(b, (await readBackup(b))!);
    expect(r.restored).toEqual([path.join(state, 'main.db')]);
    expect(await fs.readlink(path.join(state, 'main.db'))).toBe(path.join(elsewhere, 'main.db'));
    expect(await fs.readFile(path.join(elsewhere, 'main.db'), 'utf8')).toBe('rows v1\n');
    expect(await fs.readFile(path.join(elsewhere, 'other.db'), 'utf8')).toBe('other\n');
  });
});
