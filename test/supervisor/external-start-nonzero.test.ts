// A manager whose start command exits non-zero but brings the service up all the same: the service is attached to on
// that start, not left unwatched for the next start to run a second copy.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchExternal } from '../../src/supervisor/external-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { isAlive } from '../../src/platform/proc.js';

let dir: string | undefined;
const pidsToKill: number[] = [];
afterEach(() => {
  for (const pid of pidsToKill.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('an external start command that exits non-zero', () => {
  it('whose service comes up all the same: attached to on that start, and a second start runs no second copy', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'clawback-external-nonzero-'));
    const pidFile = path.join(dir, 'svc.pid');
    const runs = path.join(dir, 'runs');
    // The "manager": brings the service up in the background (it writes its pid file once running), then exits 1.
    const service = `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1e9)`;
    const manager = `const fs = require('node:fs'); fs.appendFileSync(${JSON.stringify(runs)}, 'x');
      require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(service)}], { detached: true, stdio: 'ignore', env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } }).unref();
      process.exit(1);`;
    const ext = { pidFile, restartCommand: ['true'], startCommand: [process.execPath, '-e', manager], timeout: 30_000 };
    const first = await launchExternal(ext, systemClock(), realCommandRunner(), { restart: false, pollMs: 50 });
    pidsToKill.push(first.pid);
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(first.pid);
    const second = await launchExternal(ext, systemClock(), realCommandRunner(), { restart: false, pollMs: 50 });
    expect(second.pid).toBe(first.pid);
    expect(readFileSync(runs, 'utf8'), 'the start command ran again').toBe('x');
    await first.stop('SIGKILL', 5_000);
    expect(isAlive(first.pid)).toBe(false);
  }, 90_000);

  it('that could not run at all fails at once, naming the error', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'clawback-external-nonzero-'));
    const pidFile = path.join(dir, 'svc.pid');
    const ext = { pidFile, restartCommand: ['true'], startCommand: [path.join(dir, 'no-such-manager')], timeout: 600_000 };
    await expect(launchExternal(ext, systemClock(), realCommandRunner(), { restart: false, pollMs: 50 })).rejects.toThrow(/could not run/);
    expect(existsSync(pidFile)).toBe(false);
  }, 60_000);
});
