// A --config that is a directory said "cannot read: EISDIR" (loader and CLI client) while fail.ts had words for it:
// both now use the one table (src/platform/errno-words.ts) and say the cause in words with the code.
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

describe('a config path that cannot be read', () => {
  it('the loader names the cause in words: a directory', () => {
    const dir = path.join(tempDir(), 'clawback.yaml');
    mkdirSync(dir);
    let caught: unknown;
    try {
      loadConfig({ file: dir, stateDir: tempDir() });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toContain('cannot read: it is a directory, not a file (EISDIR)');
  });

  it('the CLI client (status, no daemon) says the same words for a directory and a missing file', { timeout: 30_000 }, async () => {
    const dir = path.join(tempDir(), 'clawback.yaml');
    mkdirSync(dir);
    const r = await runCli(['status', '--config', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read: it is a directory, not a file (EISDIR)');
    const missing = await runCli(['status', '--config', path.join(tempDir(), 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read: no such file or directory (ENOENT)');
  });
});
