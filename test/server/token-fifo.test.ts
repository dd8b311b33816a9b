// A FIFO in the token's place is not read (that waits for a writer for good): the daemon issues a token file over it.
// A directory there is kept aside: it refused the daemon's start.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

  it('a directory in its place is kept aside (what it holds with it) and a token file is written: the daemon starts', () => {
    const dir = tempDir();
    const file = tokenPath(dir);
    mkdirSync(file);
    writeFileSync(path.join(file, 'inside'), 'kept');
    const token = ensureToken(dir);
    expect(lstatSync(file).isFile()).toBe(true);
    expect(readToken(dir)).toBe(token);
    const aside = readdirSync(dir).find((n) => n.startsWith('token.not-a-file-'));
    expect(readFileSync(path.join(dir, aside!, 'inside'), 'utf8')).toBe('kept');
  });
});
