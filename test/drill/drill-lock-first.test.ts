// The drill lock is taken before the plan and the question: a second drill is refused at once, and a drill that ends before its run (refused, not confirmed, Ctrl-C at the prompt) leaves no lock the next drill would take for a killed one.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { spawn as spawnPty } from '@lydell/node-pty';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { drillDaemonPerFile } from './drill-daemon.js';
import { drillLockPath } from '../../src/drill/drill-lock.js';

function lockPid(lockFile: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid?: number }).pid;
  } catch {
    return undefined;
  }
}

describe('the drill lock comes before the plan', () => {
  const d = drillDaemonPerFile('gateway');

  it('a drill waiting at its prompt holds the lock; a second one is refused before any plan; Ctrl-C at the prompt exits 130 and releases it', async () => {
    const lockFile = drillLockPath(d.stateDir);
    const pty = spawnPty(NODE, [CLI, 'drill', 'crash', '--state-dir', d.stateDir], { cols: 200, rows: 40, env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } as Record<string, string> });
    let out = '';
    pty.onData((s) => (out += s));
    const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
    try {
      await waitFor(() => out.includes('Go ahead? [y/N]'), { timeoutMs: 30_000, intervalMs: 50 });
      expect(lockPid(lockFile)).toBe(pty.pid);
      const second = await runCli(['drill', 'hang', '--yes', '--timeout', '20', '--state-dir', d.stateDir], { timeoutMs: 60_000 });
      expect(second.code, second.stderr).toBe(2);
      expect(second.stderr).toContain(`another drill is running against ${d.stateDir} (pid ${pty.pid}`);
      expect(second.stderr).not.toContain('will break');
      expect(second.stderr).not.toContain('hang #1');
      pty.write('\x03');
      const code = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit after Ctrl-C: ${out}`)), 20_000))]);
      expect(code, out).toBe(130);
      expect(out).toContain('interrupted at the confirmation prompt: nothing was drilled');
      expect(out).not.toContain('AbortError');
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      pty.kill('SIGKILL');
    }
  }, 120_000);

  it('refusals after the lock was taken release it: not confirmed (2), unknown service (4)', async () => {
    const lockFile = drillLockPath(d.stateDir);
    const unconfirmed = await runCli(['drill', 'crash', '--state-dir', d.stateDir], { timeoutMs: 30_000 });
    expect(unconfirmed.code, unconfirmed.stderr).toBe(2);
    expect(unconfirmed.stderr).toContain('not confirmed');
    expect(existsSync(lockFile)).toBe(false);
    const unknown = await runCli(['drill', 'crash', '--yes', '--service', 'nope', '--state-dir', d.stateDir], { timeoutMs: 30_000 });
    expect(unknown.code, unknown.stderr).toBe(4);
    expect(existsSync(lockFile)).toBe(false);
  }, 90_000);
});
