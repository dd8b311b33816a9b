// A JSON config written on one line (as JSON.stringify or a script writes it) names the same state directory to the
// client commands as to `clawback run`: the line regex found no `stateDir` line there and fell back to ~/.clawback,
// so `status` said the daemon was not running (or reached another daemon) while it ran on the file's stateDir.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { clientStateDir } from '../../src/cli/client.js';
import { tempDir } from '../helpers/daemon.js';

describe('the state directory of a one-line JSON config', () => {
  it('is the stateDir the daemon uses', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'clawback.json');
      writeFileSync(file, JSON.stringify({ stateDir: './from-json', services: [{ name: 'web', command: ['node', 'x.js'] }] }));
      const daemon = loadConfig({ file, env: {} }).stateDir;
      expect(daemon).toBe(path.join(dir, 'from-json'));
      const saved = process.env.CLAWBACK_STATE_DIR;
      delete process.env.CLAWBACK_STATE_DIR;
      try {
        expect(clientStateDir({ config: file })).toBe(daemon);
      } finally {
        if (saved !== undefined) process.env.CLAWBACK_STATE_DIR = saved;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
