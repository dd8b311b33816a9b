// What the guardian starts itself while no daemon can run (its last resort) reaches the journal: the next daemon
// journals the reducer's own events for it, queued in pending-events.jsonl as the guardian's revival is.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../helpers/processes.js';
import { guardianPassWithBlockedDaemon } from '../helpers/direct-revive.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('guardian direct revive and the journal', () => {
  it('queues "started (pid N)" for a service it started while the daemon could not come back', async () => {
    // The daemon cannot start: its API port is taken. The guardian then starts the service itself.
    const { stateDir, pass, pid } = await guardianPassWithBlockedDaemon('clawback-revive-journal-', cleanup, 60_000);
    if (pass instanceof Error) throw pass;
    const report = JSON.parse(pass.stdout) as { outcome: string; probedServices: boolean };
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
