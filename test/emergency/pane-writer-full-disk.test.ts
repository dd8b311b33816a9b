// The pane writer ending on a full disk (real tmpfs, the built writer): its end note cannot be written, and an empty
// `<base>.end.tmp` was left beside the output, one per run whose daemon did not get to remove it.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { PaneOutputFiles } from '../../src/emergency/output-cap.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

describe('the pane writer on a full disk', () => {
  it('leaves no empty end-note draft behind', async () => {
    const dir = path.join(disk.dir, 'inc');
    await fs.mkdir(dir);
    const files = new PaneOutputFiles(path.join(dir, 'out.raw'), 100_000);
    disk.fill();
    try {
      const child = spawn('sh', ['-c', `head -c 50000 /dev/zero | ${files.pipeCommand()}`], { stdio: 'ignore' });
      await new Promise((r) => child.on('exit', r));
      const names = (await fs.readdir(dir)).sort();
      expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(await files.ended()).toBeUndefined();
    } finally {
      disk.free();
    }
  });
});
