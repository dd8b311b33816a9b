// A FIFO or a directory in state.json's place is moved aside like a torn file: the daemon starts, it never blocks on it.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StateStore } from '../../src/daemon/state-store.js';
import { tempDir } from '../helpers/daemon.js';

describe('state.json that is not a regular file', () => {
  it('a FIFO: load returns at once, moves it aside and names it (no writer ever comes)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'state.json');
    execFileSync('mkfifo', [file]);
    // Without the fix load() waits in open() for a writer for good; this one comes after 3 s so the test ends.
    const rescue = spawn(process.execPath, ['-e', `setTimeout(() => { const fs = require('fs'); try { const fd = fs.openSync(${JSON.stringify(file)}, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK); fs.writeSync(fd, 'x'); fs.closeSync(fd); } catch {} }, 3000)`], { stdio: 'ignore' });
    try {
      const started = Date.now();
      const loaded = new StateStore(dir).load();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(loaded.notRegular).toBe('a FIFO');
      expect(loaded.state).toEqual({ version: 1, services: {} });
      expect(path.basename(loaded.corruptMovedTo!)).toMatch(/^state\.json\.corrupt-/);
      expect(lstatSync(loaded.corruptMovedTo!).isFIFO()).toBe(true); // kept as evidence
      expect(existsSync(file)).toBe(false);
    } finally {
      await new Promise((resolve) => (rescue.exitCode !== null ? resolve(null) : rescue.once('exit', resolve)));
    }
  }, 15_000);

  it('a directory: moved aside instead of refusing the daemon with EISDIR, and the next save writes a file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'state.json');
    mkdirSync(file);
    writeFileSync(path.join(file, 'inside'), 'kept');
    const store = new StateStore(dir);
    const loaded = store.load();
    expect(loaded.notRegular).toBe('a directory');
    expect(existsSync(path.join(loaded.corruptMovedTo!, 'inside'))).toBe(true);
    store.save(loaded.state);
    expect(lstatSync(file).isFile()).toBe(true);
  });
});
