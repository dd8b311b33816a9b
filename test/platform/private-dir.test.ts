// The state dir is closed to other users even when it existed before, open, from a hand-made mkdir or an old release.
import { mkdirSync, mkdtempSync, rmSync, statSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../src/platform/private-dir.js';
import { NODE, startTestDaemon } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'cb-private-'));
  dirs.push(d);
  return d;
}
const modeOf = (p: string): number => statSync(p).mode & 0o777;

describe('ensurePrivateDir', () => {
  it('creates a missing dir 0700 and says nothing', () => {
    const dir = path.join(tmp(), 'state', 'logs');
    expect(ensurePrivateDir(dir)).toBeUndefined();
    expect(modeOf(dir)).toBe(0o700);
  });

  it('closes an existing dir of ours that other users could read or write, and says so', () => {
    const dir = path.join(tmp(), 'state');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const warning = ensurePrivateDir(dir);
    expect(warning).toContain('was mode 0777');
    expect(warning).toContain('0700');
    expect(modeOf(dir)).toBe(0o700);
    expect(ensurePrivateDir(dir)).toBeUndefined();
  });

  it('leaves another owner\'s dir as it is and names the owner in the warning', () => {
    const dir = path.join(tmp(), 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const notMe = statSync(dir).uid + 1;
    const warning = ensurePrivateDir(dir, notMe);
    expect(warning).toContain(`owned by uid ${statSync(dir).uid}`);
    expect(modeOf(dir)).toBe(0o755);
  });
});

describe('the daemon at start', () => {
  it('closes a state dir and logs dir left 0755 by an older release, and keeps supervising', async () => {
    const dir = tmp();
    const stateDir = path.join(dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
    chmodSync(stateDir, 0o755);
    chmodSync(path.join(stateDir, 'logs'), 0o777);
    const said: string[] = [];
    const t = await startTestDaemon(
      { services: [{ name: 'idle', command: [NODE, '-e', 'setInterval(() => {}, 1000)'] }] },
      { dir, say: (line: string) => said.push(line) },
    );
    try {
      expect(modeOf(stateDir)).toBe(0o700);
      expect(modeOf(path.join(stateDir, 'logs'))).toBe(0o700);
      expect(said.filter((l) => l.startsWith('warning:') && l.includes('was mode 0'))).toHaveLength(2);
    } finally {
      await t.stop();
    }
  });
});

