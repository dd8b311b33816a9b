// Putting a failed doctor repair's files back, on real files: only where a file still holds exactly the doctor's bytes.
import { describe, expect, it } from 'vitest';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { SnapshotStore } from '../../src/doctor/snapshot-store.js';
import { doctorFileChange, doctorFileChanges, readBeforeDoctor, readConfigTreeBeforeDoctor, revertDoctorFiles } from '../../src/doctor/revert-doctor-files.js';
import { FakeClock } from '../../src/platform/clock.js';

const clock = new FakeClock();

async function repaired(): Promise<{ dir: string; file: string; store: SnapshotStore; change: NonNullable<Awaited<ReturnType<typeof doctorFileChange>>> }> {
  const dir = tempDir();
  const file = path.join(dir, 'gw.json');
  writeFileSync(file, '{"port":1,"newFeature":true}\n');
  const store = new SnapshotStore(path.join(dir, 'snapshots'), { keep: 5, clock });
  const before = await readBeforeDoctor(file);
  writeFileSync(file, '{"port":1}\n'); // the doctor's repair
  const change = await doctorFileChange(store, file, before);
  expect(change).toBeDefined();
  return { dir, file, store, change: change! };
}

describe('revertDoctorFiles', () => {
  it("puts the user's bytes back and keeps the doctor's version beside the file", async () => {
    const { dir, file, store, change } = await repaired();
    const r = await revertDoctorFiles({ snapshots: store, clock }, [change]);
    expect(readFileSync(file, 'utf8')).toBe('{"port":1,"newFeature":true}\n');
    const kept = readdirSync(dir).filter((f) => f.startsWith('gw.json.doctor-undone-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(dir, kept[0]!), 'utf8')).toBe('{"port":1}\n');
    expect(r).toEqual({ reverted: [`${file} (the doctor's version is kept at ${path.join(dir, kept[0]!)})`], kept: [] });
    // Again (a revert re-armed after a daemon restart): nothing written twice.
    const again = await revertDoctorFiles({ snapshots: store, clock }, [change]);
    expect(again.reverted).toEqual([`${file} (already as it was before the doctor)`]);
    expect(readdirSync(dir).filter((f) => f.startsWith('gw.json.doctor-undone-'))).toHaveLength(1);
  });

  it('a file saved since the doctor wrote it is kept as it is and said so', async () => {
    const { dir, file, store, change } = await repaired();
    writeFileSync(file, '{"port":2}\n'); // a person's edit after the repair
    const r = await revertDoctorFiles({ snapshots: store, clock }, [change]);
    expect(readFileSync(file, 'utf8')).toBe('{"port":2}\n');
    expect(r.reverted).toEqual([]);
    expect(r.kept[0]).toContain('changed since the doctor wrote it');
    expect(readdirSync(dir).filter((f) => f.startsWith('gw.json.doctor-undone-'))).toHaveLength(0);
  });

  it('no change is reported for a file the run left alone', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'gw.json');
    writeFileSync(file, '{}\n');
    const store = new SnapshotStore(path.join(dir, 'snapshots'), { keep: 5, clock });
    expect(await doctorFileChange(store, file, await readBeforeDoctor(file))).toBeUndefined();
  });

  it('a file the doctor created where none was is moved aside, its bytes kept; again, nothing is done twice', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'gw.json');
    const store = new SnapshotStore(path.join(dir, 'snapshots'), { keep: 5, clock });
    const before = await readBeforeDoctor(file);
    writeFileSync(file, '{"port":1}\n'); // the doctor's restore
    const change = await doctorFileChange(store, file, before);
    expect(change).toMatchObject({ path: file, before: null, snapshotId: null });
    const r = await revertDoctorFiles({ snapshots: store, clock }, [change!]);
    expect(existsSync(file)).toBe(false);
    const kept = readdirSync(dir).filter((f) => f.startsWith('gw.json.doctor-undone-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(dir, kept[0]!), 'utf8')).toBe('{"port":1}\n');
    expect(r.kept).toEqual([]);
    expect(r.reverted[0]).toContain('there was none before the doctor');
    const again = await revertDoctorFiles({ snapshots: store, clock }, [change!]);
    expect(again.reverted).toEqual([`${file} (already as it was before the doctor: no such file)`]);
    expect(readdirSync(dir).filter((f) => f.startsWith('gw.json.doctor-undone-'))).toHaveLength(1);
  });

  it('a created file saved since by someone is left in place', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'gw.json');
    const store = new SnapshotStore(path.join(dir, 'snapshots'), { keep: 5, clock });
    const before = await readBeforeDoctor(file);
    writeFileSync(file, '{"port":1}\n');
    const change = await doctorFileChange(store, file, before);
    writeFileSync(file, '{"port":2}\n'); // a person's config
    const r = await revertDoctorFiles({ snapshots: store, clock }, [change!]);
    expect(readFileSync(file, 'utf8')).toBe('{"port":2}\n');
    expect(r.kept[0]).toContain('changed since the doctor wrote it');
  });

  it('the config tree covers the files its $include names, nested ones too, and each change is put back', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'parts'));
    const file = path.join(dir, 'gw.json');
    const a = path.join(dir, 'parts', 'a.json');
    const b = path.join(dir, 'parts', 'b.json');
    writeFileSync(file, '{"$include":"./parts/a.json"}\n');
    writeFileSync(a, '{"$include":"./b.json","x":1}\n');
    writeFileSync(b, '{"y":2,"bad":true}\n');
    const store = new SnapshotStore(path.join(dir, 'snapshots'), { keep: 5, clock });
    const before = await readConfigTreeBeforeDoctor(file, store);
    expect([...before.keys()]).toEqual([file, a, b]);
    writeFileSync(b, '{"y":2}\n'); // the doctor's repair of a nested included file
    const changes = await doctorFileChanges(store, before);
    expect(changes.map((c) => c.path)).toEqual([b]);
    await revertDoctorFiles({ snapshots: store, clock }, changes);
    expect(readFileSync(b, 'utf8')).toBe('{"y":2,"bad":true}\n');
  });

  it('puts back the mode the file had (0600 with a token) and every hard-linked name, and keeps the evidence as narrow', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'openclaw.json');
    const other = path.join(dir, 'dotfiles-openclaw.json');
    const original = '{"gateway":{"auth":{"token":"s3cr3t"}},"plugins":{"x":1}}\n';
    writeFileSync(file, original, { mode: 0o600 });
    linkSync(file, other);
    const store = new SnapshotStore(path.join(dir, 'snapshots'), { keep: 5, clock });
    const before = await readConfigTreeBeforeDoctor(file, store);
    // The service's own doctor, a real process: rewrites the file in place (both names) and leaves it 0644.
    const script = `const fs=require('fs');fs.writeFileSync(process.argv[1], '{"gateway":{"auth":{"token":"s3cr3t"}}}\\n');fs.chmodSync(process.argv[1], 0o644)`;
    execFileSync(process.execPath, ['-e', script, file]);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('644');
    const changes = await doctorFileChanges(store, before);
    expect(changes).toHaveLength(1);
    const r = await revertDoctorFiles({ snapshots: store, clock }, changes);
    expect(r.kept).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(readFileSync(other, 'utf8')).toBe(original);
    expect(statSync(file).nlink).toBe(2);
    const kept = readdirSync(dir).filter((f) => f.startsWith('openclaw.json.doctor-undone-'));
    expect(kept).toHaveLength(1);
    expect((statSync(path.join(dir, kept[0]!)).mode & 0o777).toString(8)).toBe('600');
  });
});
