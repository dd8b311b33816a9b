// What the guardian starts itself while no daemon can run (its last resort) reaches the journal: the next daemon
// journals the reducer's own events for it, queued in pending-events.jsonl as the guardian's revival is.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isAlive, killTree } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('guardian direct revive and the journal', () => {
  it('queues "started (pid N)" for a service it started while the daemon could not come back', async () => {
    const dir = tempDir('clawback-revive-journal-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const stateDir = path.join(dir, 'state');
    const apiPort = await freePort();
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: apiPort }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    // The daemon cannot start: its API port is taken. The guardian then starts the service itself.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(apiPort, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

    const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 60_000 });
    const report = JSON.parse(g.stdout) as { outcome: string; probedServices: boolean };
    const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> };
    const pid = state.services.sl?.record.instance?.pid;
    if (pid) cleanup.push(() => killTree(pid));
    expect(report.outcome).toBe('daemon-down');
    expect(report.probedServices).toBe(true);
    expect(pid && isAlive(pid)).toBe(true);

    let queued: ClawbackEvent[] = [];
    try {
      queued = readFileSync(path.join(stateDir, 'pending-events.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as ClawbackEvent);
    } catch {
      // none queued
    }
    const started = queued.filter((e) => e.type === 'service.started' && e.service === 'sl');
    expect(started, `queued: ${JSON.stringify(queued)}`).toHaveLength(1);
    expect(started[0]!.details).toMatchObject({ pid });
  }, 90_000);
});
