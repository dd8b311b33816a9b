// A pass that found another guardian pass holding guardian.lock recorded `locked` as the last pass: until the holder
// ended, `clawback status` and /metrics said the guardian's last pass was `locked`, read as a failure. Such a pass did
// nothing and leaves the record as it was (the holder writes its own when it ends).
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { FileLock } from '../../src/platform/file-lock.js';
import { systemClock } from '../../src/platform/clock.js';
import { GUARDIAN_LOCK_FILE } from '../../src/daemon/guardian.js';
import { GUARDIAN_PASS_FILE, writeGuardianPass } from '../../src/daemon/guardian-pass.js';

describe('a guardian pass that finds the lock held', () => {
  it('reports locked and leaves the last pass record as it was', async () => {
    const dir = tempDir('clawback-guardian-locked-record-');
    const stateDir = path.join(dir, 'state');
    const home = path.join(dir, 'home');
    mkdirSync(stateDir, { recursive: true });
    mkdirSync(home);
    writeFileSync(path.join(stateDir, 'state.json'), '{}\n'); // a daemon ran here before
    await writeGuardianPass(stateDir, { at: 1_000, outcome: 'ok' });
    // This test process is the other pass, alive and holding the lock.
    const lock = new FileLock(path.join(stateDir, GUARDIAN_LOCK_FILE), { clock: systemClock() });
    expect(await lock.acquire({ timeoutMs: 0 })).toBe(true);
    try {
      const g = await runCli(['guardian', '--once', '--json', '--state-dir', stateDir], { env: { HOME: home, CLAWBACK_CONFIG: '', XDG_RUNTIME_DIR: '' }, timeoutMs: 40_000 });
      expect((JSON.parse(g.stdout) as { outcome: string }).outcome).toBe('locked');
      expect(JSON.parse(readFileSync(path.join(stateDir, GUARDIAN_PASS_FILE), 'utf8'))).toEqual({ at: 1_000, outcome: 'ok' });
    } finally {
      await lock.release();
    }
  }, 60_000);
});
