// The backup's room on a real small disk is judged before the update stops its service: a backup that cannot fit is
// refused, naming the files and the free room, with nothing stopped (it was stopped, refused, and started again).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { checkBackupRoom } from '../../src/update/state-backup.js';

describe('checkBackupRoom on a real 4 MiB tmpfs', () => {
  let disk: SmallDisk;
  let outside: string;
  beforeAll(async () => {
    disk = mountSmallDisk('4m');
    outside = await fs.realpath(tempDir('clawback-room-'));
  });
  afterAll(async () => {
    disk?.unmount();
    await fs.rm(outside, { recursive: true, force: true });
  });

  it('refuses a 3 MiB state file where 1 MiB is left, naming the file, the room and the backup directory (not yet made)', async () => {
    const state = path.join(outside, 'gw-state');
    await fs.mkdir(state);
    await fs.writeFile(path.join(state, 'main.db'), Buffer.alloc(3 * 1024 ** 2, 7));
    disk.fill(1024 ** 2);
    const backupDir = path.join(disk.dir, 'state', 'updates', 'gw', 'run-1');
    await expect(checkBackupRoom(backupDir, [], [path.join(state, '*.db')])).rejects.toThrow(
      new RegExp(`take 3\\.0 MiB on disk \\(the largest: ${path.join(state, 'main.db').replace(/[.]/g, '\\.')} is 3\\.0 MiB\\), more than the .* free where the backup goes \\(${backupDir}\\)`),
    );
    // Nothing was made on the full disk.
    expect(existsSync(path.join(disk.dir, 'state'))).toBe(false);
    disk.free();
    await expect(checkBackupRoom(backupDir, [], [path.join(state, '*.db')])).resolves.toBeUndefined();
  });
});
