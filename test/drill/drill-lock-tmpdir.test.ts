// One drill at a time per daemon, however the second drill names it: another $TMPDIR (sudo, tmux, macOS's per-user folders) or a symlink to its state dir is the same daemon.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { drillDaemonPerFile } from './drill-daemon.js';

describe('the drill lock does not depend on how the state dir is reached', () => {
  const d = drillDaemonPerFile('gateway');

  it('a second drill with another TMPDIR, through a symlink to the state dir, is refused naming the first', async () => {
    const tmpA = path.join(d.dir, 'tmp-a');
    const tmpB = path.join(d.dir, 'tmp-b');
    mkdirSync(tmpA);
    mkdirSync(tmpB);
    const link = path.join(d.dir, 'state-link');
    symlinkSync(d.stateDir, link);
    // Hang trials keep the first drill busy for seconds each.
    const first = spawnMarked(NODE, [CLI, 'drill', 'hang', '--trials', '2', '--timeout', '40', '--yes', '--state-dir', d.stateDir], { env: { TMPDIR: tmpA } });
    try {
      await waitFor(() => first.stderr().includes('hang #1...'), { timeoutMs: 30_000, intervalMs: 50 });
      const [otherTmp, viaLink] = await Promise.all([
        runCli(['drill', 'crash', '--yes', '--force', '--timeout', '10', '--state-dir', d.stateDir], { env: { TMPDIR: tmpB }, timeoutMs: 60_000 }),
        runCli(['drill', 'crash', '--yes', '--force', '--timeout', '10', '--state-dir', link], { env: { TMPDIR: tmpA }, timeoutMs: 60_000 }),
      ]);
      for (const r of [otherTmp, viaLink]) {
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toContain(`another drill is running against`);
        expect(r.stderr).toContain(`(pid ${first.pid}`);
        expect(r.stderr).not.toContain('crash #1');
      }
      const exit = await first.waitForExit(120_000);
      expect(exit.code, first.stderr()).toBe(0);
      expect(first.stderr().match(/ ok: SIGSTOP pid/g)?.length).toBe(2);
      expect(existsSync(`${d.stateDir}.drill.lock`)).toBe(false);
    } finally {
      first.kill();
    }
  }, 150_000);
});
