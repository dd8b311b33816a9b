// A wall clock stepped back mid-incident (NTP at boot, a VM resumed): the journal holds the events in the order they
// happened, their times going back. `clawback incident` sorted them by time: the resolution came before the opening
// and the restart's start and healthy verdict were missing from the timeline. The journal's order is the story.
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { JournalWriter } from '../../src/observe/journal.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

describe('an incident across a step of the wall clock', () => {
  it('is told in the order it happened: opened, restarted, healthy, resolved', async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir, { recursive: true });
    // An injected wall clock: one hour back between the restart and the new instance's start.
    let wall = Date.now() - 30 * 60_000;
    const now = (): number => wall;
    const w = new JournalWriter(path.join(stateDir, 'journal.jsonl'));
    const base = { service: 'web' };
    const inc = { ...base, incidentId: 'inc-step' };
    const put = (e: Omit<ClawbackEvent, 'time'>, advance = 100): void => {
      w.append({ ...e, time: now() } as ClawbackEvent);
      wall += advance;
    };
    const openedAt = now();
    put({ ...base, type: 'service.exited', severity: 'warning', message: 'web exited with exit code 3' }, 0);
    put({ ...inc, type: 'incident.opened', severity: 'warning', level: 0, message: 'incident inc-step opened for web: process ended', details: { reason: 'process ended (exit code 3)', firstSignalAt: openedAt } }, 0);
    put({ ...inc, type: 'service.restarting', severity: 'info', level: 0, message: 'restarting web after its exit' });
    wall -= 3_600_000; // the clock steps back
    put({ ...base, type: 'service.started', severity: 'info', message: 'web started (pid 4242)', details: { pid: 4242, reason: 'restart' } }, 300);
    put({ ...base, type: 'service.healthy', severity: 'info', message: 'web is healthy' }, 5000);
    put({ ...inc, type: 'incident.resolved', severity: 'resolved', level: 0, message: 'web recovered after 500 ms', details: { ttrMs: 500, highestLevel: 0, outcome: 'auto-resolved', reason: 'process ended (exit code 3)' } });
    w.close();

    const env = { HOME: stateDir, CLAWBACK_CONFIG: '' };
    const r = await runCli(['incident', 'inc-step', '--json', '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    const found = JSON.parse(r.stdout) as { status: string; outcome: string; ttrMs: number; openedAt: number; timeline: ClawbackEvent[] };
    expect(found.timeline.map((e) => e.type)).toEqual(['incident.opened', 'service.restarting', 'service.started', 'service.healthy', 'incident.resolved']);
    expect(found).toMatchObject({ status: 'resolved', outcome: 'auto-resolved', ttrMs: 500, openedAt });

    const text = await runCli(['incident', 'inc-step', '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    const order = text.stdout.split('\n').map((l) => /(incident\.opened|incident\.resolved|service\.healthy)/.exec(l)?.[1]).filter(Boolean);
    expect(order).toEqual(['incident.opened', 'service.healthy', 'incident.resolved']);

    const digest = await runCli(['digest', '--json', '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    expect(JSON.parse(digest.stdout)).toMatchObject({ incidents: 1, autoResolved: 1, stillOpen: 0, meanTtrMs: 500 });
  }, 90_000);
});
