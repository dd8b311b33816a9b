// A directory named exactly in update.stateFiles (`~/.openclaw/state`, as a PM2 or systemd user names what to keep)
// was skipped without a word: the backup held 0 of its files, and a rollback put none of them back. It is refused now,
// naming the field and the value, by the plan (before anything is installed, stopped or touched) and by the backup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { takeBackup } from '../../src/update/state-backup.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';

describe('a directory named in update.stateFiles (real daemon, fake package)', () => {
  let h: UpdateHarness;
  let stateDir: string;

  beforeAll(async () => {
    const files = await fs.realpath(tempDir('clawback-upd-statedir-'));
    stateDir = path.join(files, 'gw-state');
    h = await startUpdateHarness({
      packages: [
        ['1.0.0', 'good'],
        ['1.1.0', 'good'],
      ],
      filesDir: files,
      update: { stateFiles: [stateDir] },
    });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
    await fs.rm(path.dirname(stateDir), { recursive: true, force: true });
  });

  it('the update is refused before anything is touched, naming update.stateFiles, the directory and a glob to use', async () => {
    const exitsBefore = h.td.events.filter((e) => e.type === 'service.exited').length;
    const dry = await h.update('1.1.0', '&dryRun=1');
    expect(dry.status).toBe(409);
    expect(String(dry.body.message)).toContain(`blocked: update.stateFiles names the directory ${stateDir}`);
    const r = await h.update('1.1.0');
    const msg = r.status === 202 ? (await h.finished(r.body.runId)).report?.message : String(r.body.message);
    expect(msg).toContain(`update.stateFiles names the directory ${stateDir}`);
    expect(msg).toContain(`${stateDir}/*`);
    expect(await h.current()).toBe('1.0.0');
    expect(h.td.events.some((e) => e.type === 'update.started')).toBe(false);
    expect(h.td.events.filter((e) => e.type === 'service.exited').length).toBe(exitsBefore);
    expect(await h.version()).toBe('1.0.0');
  }, 120_000);

  it('the backup itself refuses it too (no backup of 0 files taken for a directory of files)', async () => {
    const b = path.join(h.dir, 'b');
    await expect(takeBackup(b, [], [stateDir], 1)).rejects.toThrow(`update.stateFiles names the directory ${stateDir}`);
    // The glob the message suggests takes its files.
    const m = await takeBackup(b, [], [`${stateDir}/*`], 1);
    expect(m.entries.map((e) => e.file)).toEqual([path.join(stateDir, 'main.db')]);
  });
});
