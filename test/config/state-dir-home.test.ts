// `clawback run --state-dir=~/st` (no shell expands a `~` after `=`, nor systemd's Environment=CLAWBACK_STATE_DIR=~/st)
// kept its state in $HOME/st, while `clawback status --state-dir=~/st` looked in ./~/st and said no daemon ran.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { clientStateDir } from '../../src/cli/client.js';
import { stateDirFromArgv } from '../../src/daemon/daemon-identity.js';
import { tempDir } from '../helpers/daemon.js';

const saved = { HOME: process.env.HOME, CLAWBACK_STATE_DIR: process.env.CLAWBACK_STATE_DIR };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('a state dir written with ~', () => {
  it('is the same directory to the daemon, every client command and the daemon-identity check', () => {
    const home = tempDir();
    const shell = tempDir();
    const file = path.join(tempDir(), 'clawback.yaml');
    writeFileSync(file, 'services:\n  - { name: web, command: [node, x.js] }\n');
    process.env.HOME = home;
    delete process.env.CLAWBACK_STATE_DIR;
    const want = path.join(home, 'st');
    mkdirSync(want);
    expect(loadConfig({ file, stateDir: '~/st', cwd: shell, env: {} }).stateDir).toBe(want);
    expect(clientStateDir({ stateDir: '~/st', config: file })).toBe(want);
    expect(stateDirFromArgv(['node', 'clawback', 'run', '--state-dir=~/st'], undefined, shell)).toBe(want);
    process.env.CLAWBACK_STATE_DIR = '~/st';
    expect(loadConfig({ file, cwd: shell }).stateDir).toBe(want);
    expect(clientStateDir({ config: file })).toBe(want);
    expect(stateDirFromArgv(['node', 'clawback', 'run'], '~/st', shell)).toBe(want);
  });

  it('`stateDir: "~"` in the file is the home directory to the client as to the daemon', () => {
    const home = tempDir();
    const file = path.join(tempDir(), 'clawback.yaml');
    writeFileSync(file, 'stateDir: "~"\nservices:\n  - { name: web, command: [node, x.js] }\n');
    process.env.HOME = home;
    delete process.env.CLAWBACK_STATE_DIR;
    expect(loadConfig({ file, env: {} }).stateDir).toBe(home);
    expect(clientStateDir({ config: file })).toBe(home);
  });
});
