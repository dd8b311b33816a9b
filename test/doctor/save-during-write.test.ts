// A person's save that lands while the repaired file is being written (temp file written and fsynced, not yet renamed) is
// kept: the "unchanged since read" check runs right before the rename, not before the write of the temp file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs, watch, writeFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

const USER_SAVE = '{"name":"demo-gateway","host":"127.0.0.1","port":19000}\n';

describe("a save made while the doctor's repaired file is being written", () => {
  let fx: DoctorFixture;
  let watcher: FSWatcher | undefined;
  beforeEach(async () => {
    fx = await makeFixture({}, { validate: false });
  });
  afterEach(async () => {
    watcher?.close();
    watcher = undefined;
    await fx.cleanup();
  });

  it('is not overwritten by the rename that follows', async () => {
    // A large last-known-good (under the 16 MiB bound) makes the temp file's write and fsync take a while, as a slow disk does.
    const good = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 18789, notes: 'x'.repeat(12 * 1024 * 1024) }) + '\n';
    await recordGood(fx, good);
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","ho');
    // The person saves the moment the doctor's temp file appears beside the config (before its rename).
    const temp = new RegExp(`^\\.${path.basename(fx.configPath).replace(/\./g, '\\.')}\\.${process.pid}\\.[0-9a-f]+\\.tmp$`);
    let saved = false;
    watcher = watch(fx.dir, (_event, name) => {
      if (saved || typeof name !== 'string' || !temp.test(name)) return;
      saved = true;
      writeFileSync(fx.configPath, USER_SAVE);
    });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(saved).toBe(true);
    const now = await fs.readFile(fx.configPath, 'utf8');
    expect(now.length, 'the person\'s save was overwritten by the restore').toBe(USER_SAVE.length);
    expect(now).toBe(USER_SAVE);
    expect(report.outcomes[0]).toMatchObject({ applied: false });
    expect(report.outcomes[0]!.message).toContain('changed while the repair was being prepared');
    // No temp file is left behind.
    expect((await fs.readdir(fx.dir)).filter((n) => temp.test(n))).toEqual([]);
  });
});
