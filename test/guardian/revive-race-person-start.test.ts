// The guardian found the daemon dead and started one directly just as a person's `clawback run` (or a boot script's)
// took daemon.lock first: the guardian said "started by someone else" (no guardian.revived) and the person's daemon
// took the guardian's note as "the guardian tells this end" (no daemon.died). The outage was told by nobody.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { guardianOnce, type DaemonExit } from '../../src/daemon/guardian.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const children: MarkedChild[] = [];
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (!c.exitInfo()) c.signal('SIGTERM');
    await c.waitForExit(20_000).catch(() => c.kill());
  }
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const journal = (stateDir: string) => readJournalFile(path.join(stateDir, 'journal.jsonl'));
const startedBy = (stateDir: string, pid: number) => journal(stateDir).some((e) => e.type === 'daemon.started' && e.details?.pid === pid);

describe('guardian revive racing a person start', () => {
  it('the daemon that won the lock, not the guardian\'s, says daemon.died once; the guardian says no revive', { timeout: 150_000 }, async () => {
    const dir = tempDir('clawback-revive-race-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const run = (extra: string[]): MarkedChild => {
      const d = spawnMarked(NODE, [CLI, 'run', ...extra, '--config', config, '--state-dir', stateDir]);
      children.push(d);
      return d;
    };
    const first = run([]);
    await waitFor(() => startedBy(stateDir, first.pid) || undefined, { timeoutMs: 40_000, message: 'the first daemon started' });
    const dead = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number };
    first.signal('SIGKILL');
    await first.waitForExit(10_000);

    let person: MarkedChild | undefined;
    let guardians: MarkedChild | undefined;
    const events: ClawbackEvent[] = [];
    const report = await guardianOnce({
      stateDir,
      clock: systemClock(),
      runner: new DryRunRunner(),
      serviceManager: 'none',
      explicitConfig: true,
      timeoutMs: 60_000,
      pollMs: 100,
      emit: (e) => events.push(e),
      // The guardian's note is written; a person's start takes daemon.lock first; then the guardian's own start (refused).
      startDaemon: async () => {
        person = run([]);
        await waitFor(() => startedBy(stateDir, person!.pid) || undefined, { timeoutMs: 40_000, message: "the person's daemon started" });
        guardians = run(['--started-by-guardian']);
        const exited = guardians.waitForExit(40_000).then((x): DaemonExit => ({ code: x.code, signal: x.signal }));
        return { exited, pid: guardians.pid };
      },
    });
    expect(report.outcome, report.actions.join('\n')).toBe('ok');
    expect(report.after?.pid).toBe(person!.pid);
    await waitFor(() => (guardians!.exitInfo() ? true : undefined), { timeoutMs: 40_000, message: "the guardian's daemon was refused" });
    expect(isAlive(person!.pid)).toBe(true);
    expect(events.filter((e) => e.type === 'guardian.revived')).toHaveLength(0);
    const died = journal(stateDir).filter((e) => e.type === 'daemon.died');
    expect(died, JSON.stringify(journal(stateDir).map((e) => e.type))).toHaveLength(1);
    expect(died[0]!.details).toMatchObject({ pid: dead.pid });
  });

  it('a revive that failed is alerted by the guardian: the daemon a person starts later does not say daemon.died again', { timeout: 150_000 }, async () => {
    const dir = tempDir('clawback-revive-failed-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    writeFileSync(config, YAML.stringify(markServices({ api: { port }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const run = (extra: string[]): MarkedChild => {
      const d = spawnMarked(NODE, [CLI, 'run', ...extra, '--config', config, '--state-dir', stateDir]);
      children.push(d);
      return d;
    };
    const first = run([]);
    await waitFor(() => startedBy(stateDir, first.pid) || undefined, { timeoutMs: 40_000, message: 'the first daemon started' });
    first.signal('SIGKILL');
    await first.waitForExit(10_000);
    // The API port taken meanwhile: the daemon the guardian starts exits at once, and the pass ends 'daemon-down'.
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', () => r()));
    const report = await guardianOnce({
      stateDir,
      clock: systemClock(),
      runner: new DryRunRunner(),
      serviceManager: 'none',
      explicitConfig: true,
      timeoutMs: 60_000,
      pollMs: 100,
      startDaemon: async () => {
        const g = run(['--started-by-guardian']);
        return { exited: g.waitForExit(40_000).then((x): DaemonExit => ({ code: x.code, signal: x.signal })), pid: g.pid };
      },
    });
    await new Promise((r) => holder.close(r));
    expect(report.outcome, report.actions.join('\n')).toBe('daemon-down');
    const later = run([]);
    await waitFor(() => startedBy(stateDir, later.pid) || undefined, { timeoutMs: 40_000, message: "the person's daemon started" });
    const types = journal(stateDir).map((e) => e.type);
    expect(types.filter((t) => t === 'daemon.died'), JSON.stringify(types)).toHaveLength(0);
  });
});
