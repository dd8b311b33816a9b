// A person who takes a repair over (restart, start, stop then start during an agent run) gets a fresh restart window.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';
import type { ServiceInput } from '../../src/decide/inputs.js';

const AGENT = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 3, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };

/** The real daemon's sequence: a crash loop (limit 2) trips the breaker, the doctor finds nothing, the agent is at work. */
function loopIntoAgentRun(): { d: ReducerDrive; now: number; pid: number } {
  const d = new ReducerDrive(testPolicy({ doctorAttempts: 1, intensity: { maxRestarts: 2, window: 60_000 }, agent: AGENT }));
  let now = 0;
  let pid = 100;
  const phase = (): string => d.state.phase;
  d.at(now, { type: 'boot', adopted: null });
  for (let i = 0; i < 10 && phase() === 'starting'; i++) {
    pid++;
    d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
    now += 400;
    d.at(now, { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    if (d.state.work?.kind === 'doctor') d.at((now += 10), { type: 'doctor-done', runId: d.state.work.id, outcome: 'nothing-found', summary: 'no problem found' });
    if (phase() === 'backoff') d.at((now = d.state.nextStartAt!), { type: 'tick' });
  }
  expect(d.state.work?.kind).toBe('agent');
  expect(d.state.held?.reason).toBe('repair');
  return { d, now, pid };
}

const takeovers: Array<[string, ServiceInput[]]> = [
  ['restart', [{ type: 'request', action: 'restart', by: 'human' }]],
  ['start', [{ type: 'request', action: 'start', by: 'human' }]],
  ['stop, then start', [{ type: 'request', action: 'stop', by: 'human' }, { type: 'request', action: 'start', by: 'human' }]],
  ['resume', [{ type: 'request', action: 'resume', by: 'human' }]],
];

describe('a person takes over from a Level 3 agent run', () => {
  it.each(takeovers)('after %s, one exit is restarted with backoff, not a breaker trip straight to Level 4', (_name, requests) => {
    const { d, now: t0 } = loopIntoAgentRun();
    let now = t0 + 1000;
    for (const r of requests) d.at((now += 10), r);
    expect(d.state.work).toBeNull();
    expect(d.state.phase).toBe('starting');
    const pid = 500;
    d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'manual' });
    const trippedBefore = d.events('breaker.tripped').length;
    d.at((now += 400), { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    // The first exit after the person's act: an ordinary restart, as after a resume, not "3 restarts within 60000 ms".
    expect(d.events('breaker.tripped')).toHaveLength(trippedBefore);
    expect(d.events('incident.escalated')).toHaveLength(0);
    expect(['starting', 'backoff']).toContain(d.state.phase);
    expect(d.state.restartHistory).toHaveLength(1);
    // The breaker still counts: the loop going on trips it again (limit 2 restarts per window).
    let p = pid;
    for (let i = 0; i < 5 && (d.state.phase === 'backoff' || d.state.phase === 'starting'); i++) {
      if (d.state.phase === 'backoff') d.at((now = d.state.nextStartAt!), { type: 'tick' });
      d.at(now, { type: 'started', instance: { pid: ++p, pidStartTime: 1, startedAt: now }, reason: 'exit' });
      d.at((now += 400), { type: 'exited', pid: p, code: 1, signal: null, at: now, statusKnown: true });
    }
    expect(d.events('breaker.tripped')).toHaveLength(trippedBefore + 1);
  });
});
