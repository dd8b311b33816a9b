// A full disk creates a new file and refuses its bytes. The doctor's copy of a removed lock (or pidfile) was left as an
// empty file in evidence/locks (3 refused copies: 3 empty "copies", never removed), and so was a pushed-out backup copy
// written without a staged one, and the agent's env file of an emergency run: each now removed again (writeNewFile).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keepLockCopy } from '../../src/doctor/rule-stale-lock.js';
import { keepPushedOut } from '../../src/doctor/backup-chain.js';
import { readCurrent } from '../../src/doctor/safe-user-write.js';
import { writeNewFile } from '../../src/platform/atomic-write.js';
import { FakeClock } from '../../src/platform/clock.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.unmount();
});

describe('new files refused by a full disk', () => {
  it('keeps no empty copy of a removed lock', async () => {
    const dir = path.join(disk.dir, 'evidence', 'locks', 'app');
    mkdirSync(dir, { recursive: true });
    disk.fill();
    try {
      for (let i = 0; i < 3; i++) {
        await expect(keepLockCopy(dir, `t${i}-app.lock`, Buffer.alloc(8192, 0x41))).rejects.toMatchObject({ code: 'ENOSPC' });
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      disk.free();
    }
  });

  it('keeps no empty pushed-out backup copy', async () => {
    const conf = path.join(disk.dir, 'conf');
    mkdirSync(conf, { recursive: true });
    const config = path.join(conf, 'app.json');
    const old = path.join(conf, 'app.json.bak');
    writeFileSync(config, '{"a":1}\n');
    writeFileSync(old, `{"old":"${'x'.repeat(8192)}"}\n`);
    const before = new Map([[old, await readCurrent(old)]]);
    writeFileSync(old, '{"a":0}\n'); // the rotation pushed the old bytes off the chain
    const dir = path.join(disk.dir, 'evidence', 'backups');
    mkdirSync(dir, { recursive: true });
    disk.fill();
    try {
      await expect(keepPushedOut(config, [`${conf}/app.json.bak`], before, dir, new FakeClock(1_700_000_000_000))).rejects.toMatchObject({ code: 'ENOSPC' });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      disk.free();
    }
  });

  it('leaves a file of the same name that was already there', async () => {
    const file = path.join(disk.dir, 'taken');
    writeFileSync(file, 'theirs');
    await expect(writeNewFile(file, 'mine')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readdirSync(disk.dir)).toContain('taken');
  });
});
