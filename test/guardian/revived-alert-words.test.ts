// The guardian.revived alert, after real revivals (real daemon, real CLI): it read "(it was stale)" for a hung daemon
// it had SIGKILLed, and "(it was recycled-pid)" for one whose pid another process had taken: verdict names, not words.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function daemonPid(stateDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

/** guardian.revived messages, whether still queued or journaled by the daemon the pass started. */
function revivedMessages(stateDir: string): string[] {
  const out: string[] = [];
  for (const f of ['pending-events.jsonl', 'journal.jsonl']) {
    const file = path.join(stateDir, f);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      try {
        const e = JSON.parse(line) as { type?: string; message?: string };
        if (e.type === 'guardian.revived' && e.message && !out.includes(e.message)) out.push(e.message);
      } catch {
        // a partial line
      }
    }
  }
  return out;
}

describe('guardian.revived says what was wrong and what was done', () => {
  it('a hung daemon: hung, its last heartbeat, killed (SIGKILL); a recycled pid: dead, its pid taken, left alone', async () => {
    const dir = tempDir('clawback-revived-words-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: await freePort() }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const d: MarkedChild = spawnMarked(NODE, [CLI, 'run', '--config', configPath, '--state-dir', stateDir]);
    cleanup.push(async () => {
      // Whichever daemon runs last stops the services with it.
      const pid = daemonPid(stateDir);
      if (pid !== undefined && isAlive(pid)) {
        process.kill(pid, 'SIGINT');
        await waitFor(() => !isAlive(pid) || undefined, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => undefined);
      }
      d.signal('SIGCONT');
      d.kill();
    });
    await d.waitForStdout('dashboard:', 30_000);

    // Hung: stopped, its heartbeat older than --stale-after.
    d.signal('SIGSTOP');
    const staleSince = Date.now();
    await waitFor(() => Date.now() - staleSince > 3000 || undefined, { timeoutMs: 10_000, intervalMs: 200 });
    const g1 = await runCli(['guardian', '--once', '--json', '--stale-after', '2s', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 60_000 });
    const r1 = JSON.parse(g1.stdout) as { outcome: string; killedPid?: number; actions: string[] };
    expect(r1.outcome, r1.actions.join('\n')).toBe('revived');
    expect(r1.killedPid).toBe(d.pid);
    const m1 = revivedMessages(stateDir);
    expect(m1).toHaveLength(1);
    expect(m1[0]).toMatch(new RegExp(`it was hung \\(pid ${d.pid}, last heartbeat \\d+ s ago\\); pid ${d.pid} was killed \\(SIGKILL\\); started directly`));
    expect(m1[0]).not.toContain('stale');

    // Dead, its pid now another process's: daemon.json names a live process that is no daemon.
    const revived = await waitFor(() => daemonPid(stateDir) !== d.pid ? daemonPid(stateDir) : undefined, { timeoutMs: 20_000, intervalMs: 100 });
    const other: ChildProcess = spawn('sleep', ['300'], { stdio: 'ignore' });
    cleanup.push(() => void other.kill('SIGKILL'));
    process.kill(revived, 'SIGKILL');
    await waitFor(() => !isAlive(revived) || undefined, { timeoutMs: 10_000, intervalMs: 50 });
    const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(stateDir, 'daemon.json'), JSON.stringify({ ...info, pid: other.pid }));
    const g2 = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 60_000 });
    const r2 = JSON.parse(g2.stdout) as { outcome: string; actions: string[] };
    expect(r2.outcome, r2.actions.join('\n')).toBe('revived');
    expect(isAlive(other.pid!), 'the process that took the pid was killed').toBe(true);
    const m2 = await waitFor(() => revivedMessages(stateDir).find((m) => m !== m1[0]), { timeoutMs: 10_000, intervalMs: 100 });
    expect(m2).toContain(`it was dead (its pid ${other.pid} now belongs to another process, left alone; last heartbeat`);
    expect(m2).not.toContain('recycled-pid');
  }, 120_000);
});
