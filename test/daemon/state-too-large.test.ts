// A huge state.json (a sparse file, a log redirected into it) is moved aside unread: the daemon starts, it never
// refuses with ERR_FS_FILE_TOO_LARGE nor parses gigabytes into its heap.
import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STATE_MAX_BYTES, StateStore } from '../../src/daemon/state-store.js';
import { tempDir } from '../helpers/daemon.js';

describe('state.json far bigger than any state', () => {
  it('a 3 GiB (sparse) file: load moves it aside, names its size, and the next save writes a fresh file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '');
    truncateSync(file, 3 * 1024 ** 3); // sparse: no disk space used
    try {
      const store = new StateStore(dir);
      const loaded = store.load();
      expect(loaded.tooLarge).toBe(3 * 1024 ** 3);
      expect(loaded.state).toEqual({ version: 1, services: {} });
      expect(lstatSync(loaded.corruptMovedTo!).size).toBe(3 * 1024 ** 3); // kept as evidence
      store.save(loaded.state);
      expect(lstatSync(file).size).toBeLessThan(STATE_MAX_BYTES);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  });
});
