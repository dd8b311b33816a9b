// A relative --state-dir (or CLAWBACK_STATE_DIR) means the same directory to `clawback run` as to every client command.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { clientStateDir } from '../../src/cli/client.js';
import { tempDir } from '../helpers/daemon.js';

describe('a relative state dir', () => {
  it('from the flag or the variable is relative to where it was typed; the config file\'s own stateDir to the file', () => {
    const confDir = tempDir();
    const file = path.join(confDir, 'clawback.yaml');
    writeFileSync(file, 'stateDir: ./from-file\nservices:\n  - { name: web, command: [node, x.js] }\n');
    const shell = tempDir();
    const cwd = process.cwd();
    process.chdir(shell);
    try {
      const byFlag = loadConfig({ file, stateDir: 'a/state', env: {} }).stateDir;
      expect(byFlag).toBe(path.join(shell, 'a', 'state'));
      // What `clawback status --state-dir a/state` typed in the same shell reads.
      expect(clientStateDir({ stateDir: 'a/state', config: file })).toBe(byFlag);
      expect(loadConfig({ file, env: { CLAWBACK_STATE_DIR: 'b/state' } }).stateDir).toBe(path.join(shell, 'b', 'state'));
      expect(loadConfig({ file, env: {} }).stateDir).toBe(path.join(confDir, 'from-file'));
    } finally {
      process.chdir(cwd);
    }
  });
});
