// Under systemd a daemon sent SIGUSR2 exits cleanly and leaves its services running; Restart=always starts the next
// one RestartSec=2 later. A guardian pass in that gap found no daemon.json, ran `systemctl --user restart` and alerted
// "Guardian revived the clawback daemon (it was not running)" for a handover that was no failure. It now leaves the
// start to systemd within the window; past it (the unit did not come back) it revives as before.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor } from '../helpers/processes.js';
import { guardianOnce, handedOverAt, HANDOVER_WINDOW_MS } from '../../src/daemon/guardian.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

describe('a guardian pass during a SIGUSR2 handover under systemd', () => {
  it('neither restarts the unit nor says "revived": systemd starts the next daemon', { timeout: 90_000 }, async () => {
    const dir = tempDir('clawback-usr2-pass-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const journal = () => readJournalFile(path.join(stateDir, 'journal.jsonl'));
    const d = spawnMarked(NODE, [CLI, 'run', '--keep-services-on-sigterm', '--config', config, '--state-dir', stateDir]);
    cleanup.push(async () => {
      if (!d.exitInfo()) d.signal('SIGKILL');
      await d.waitForExit(10_000).catch(() => undefined);
    });
    await waitFor(() => journal().some((e) => e.type === 'daemon.started' && e.details?.pid === d.pid) || undefined, { timeoutMs: 30_000, message: 'the daemon started' });
    // SIGUSR2 leaves the service running: ended here.
    const service = journal().find((e) => e.type === 'service.started')?.details?.pid;
    expect(typeof service).toBe('number');
    cleanup.push(() => { if (typeof service === 'number' && isAlive(service)) process.kill(service, 'SIGKILL'); });
    d.signal('SIGUSR2');
    expect((await d.waitForExit(20_000)).code).toBe(0);

    const runner = new DryRunRunner();
    const events: ClawbackEvent[] = [];
    const started: number[] = [];
    const report = await guardianOnce({
      stateDir,
      clock: systemClock(),
      runner,
      serviceManager: 'systemd',
      explicitConfig: true,
      timeoutMs: 4000,
      pollMs: 50,
      startDaemon: async () => void started.push(Date.now()),
      emit: (e) => events.push(e),
    });
    expect(report.seen).toBe('missing');
    expect(runner.calls.map((c) => c.argv.join(' ')), report.actions.join('\n')).toEqual([]);
    expect(started).toEqual([]);
    expect(events.map((e) => e.type)).toEqual([]);
    expect(report.outcome).toBe('starting');
    expect(report.actions.join('\n')).toContain('Restart=always');
  });

  it('is bounded: a clean exit older than the window, or followed by a start, is no handover', () => {
    const now = 1_000_000;
    const stop = (t: number, stopServices: boolean) => ({ type: 'daemon.stopped' as const, time: t, details: { stopServices } });
    expect(handedOverAt([stop(now - 3000, false)], now)).toBe(now - 3000);
    expect(handedOverAt([stop(now - HANDOVER_WINDOW_MS - 1, false)], now)).toBeUndefined();
    expect(handedOverAt([stop(now - 3000, true)], now)).toBeUndefined();
    expect(handedOverAt([stop(now - 3000, false), { type: 'daemon.started', time: now - 1000, details: {} }], now)).toBeUndefined();
    expect(handedOverAt([], now)).toBeUndefined();
  });
});
