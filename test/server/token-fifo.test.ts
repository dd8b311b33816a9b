// A FIFO in the token's place is not read (that waits for a writer for good): the daemon issues a token file over it.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { ensureToken } from '../../src/server/token-issue.js';
import { readToken, tokenPath } from '../../src/server/token.js';
import { tempDir } from '../helpers/daemon.js';

describe('token that is a FIFO', () => {
  it('reads as no token at once, and the daemon replaces it with a private regular file', async () => {
    const dir = tempDir();
    const file = tokenPath(dir);
    execFileSync('mkfifo', [file]);
    // Without the fix the read waits in open() for a writer for good; this one comes after 3 s so the test ends.
    const rescue = spawn(process.execPath, ['-e', `setTimeout(() => { const fs = require('fs'); try { const fd = fs.openSync(${JSON.stringify(file)}, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK); fs.writeSync(fd, 'planted-token-planted-token'); fs.closeSync(fd); } catch {} }, 3000)`], { stdio: 'ignore' });
    try {
      const started = Date.now();
      expect(readToken(dir)).toBeUndefined();
      const token = ensureToken(dir);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(lstatSync(file).isFile()).toBe(true);
      expect(readFileSync(file, 'utf8').trim()).toBe(token);
    } finally {
      await new Promise((resolve) => (rescue.exitCode !== null ? resolve(null) : rescue.once('exit', resolve)));
    }
  }, 15_000);
});
