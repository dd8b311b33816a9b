// The ladder as a pure state machine: table tests of every rung on fixed times.
import { describe, expect, it } from 'vitest';
import { ladderStep, type LadderInput, type LadderPolicy, type LadderState } from '../../src/escalation/ladder.js';

const policy: LadderPolicy = { doctorAttempts: 2, agentEnabled: true, coolDownMs: 0 };
const ids = () => {
  let n = 0;
  return () => `inc-${++n}`;
};

function run(inputs: Array<[number, LadderInput]>, p: LadderPolicy = policy): { state: LadderState; actions: string[][] } {
  let state: LadderState = { incident: null };
  const newId = ids();
  const actions: string[][] = [];
  for (const [now, input] of inputs) {
    const step = ladderStep(state, input, now, p, newId);
    state = step.state;
    actions.push(step.actions.map((a) => (a.type === 'level-entered' ? `level-${a.level}` : a.type === 'restart' ? `restart-${a.reason}` : a.type)));
  }
  return { state, actions };
}

describe('ladder', () => {
  it('a crash opens an incident at level 0; health resolves it with the time to recover', () => {
    const { state, actions } = run([
      [1000, { type: 'failure', level: 0, reason: 'exit 1' }],
      [1000, { type: 'failure', level: 0, reason: 'exit 1' }],
      [4500, { type: 'healthy' }],
    ]);
    expect(actions).toEqual([['incident-opened'], [], ['resolved']]);
    expect(state.incident).toBeNull();
    const step = ladderStep({ incident: { id: 'x', openedAt: 1000, level: 0, highestLevel: 0, reason: 'r', doctorRuns: 0, agentRuns: 0, status: 'open' } }, { type: 'healthy' }, 4500, policy, ids());
    expect(step.actions[0]).toMatchObject({ type: 'resolved', ttrMs: 3500, outcome: 'auto-resolved' });
  });

  it('a probe failure raises an open level-0 incident to level 1', () => {
    const { state, actions } = run([
      [0, { type: 'failure', level: 0, reason: 'exit' }],
      [10, { type: 'failure', level: 1, reason: 'hang' }],
    ]);
    expect(actions[1]).toEqual(['level-1']);
    expect(state.incident?.highestLevel).toBe(1);
  });

  it('breaker -> doctor -> (fixed) restart; breaker again -> doctor again; then agent; then human', () => {
    const { state, actions } = run([
      [0, { type: 'held', reason: 'crash-loop' }],
      [1, { type: 'doctor-done', fixed: true, summary: 'restored config' }],
      [2, { type: 'held', reason: 'crash-loop' }],
      [3, { type: 'doctor-done', fixed: true, summary: 'restored config' }],
      [4, { type: 'held', reason: 'crash-loop' }],
      [5, { type: 'agent-done', fixed: false, summary: 'no luck' }],
    ]);
    expect(actions).toEqual([
      ['incident-opened', 'level-2', 'run-doctor'],
      ['restart-doctor'],
      ['level-2', 'run-doctor'],
      ['restart-doctor'],
      ['level-3', 'run-agent'],
      ['level-4', 'alert-human'],
    ]);
    expect(state.incident).toMatchObject({ level: 4, highestLevel: 4, status: 'waiting-human', doctorRuns: 2, agentRuns: 1 });
  });

  it('a doctor that finds nothing goes straight up; without an agent, to a human with a cool-down', () => {
    const { state, actions } = run(
      [
        [0, { type: 'held', reason: 'config' }],
        [1, { type: 'doctor-done', fixed: false, summary: 'no problem found' }],
      ],
      { doctorAttempts: 2, agentEnabled: false, coolDownMs: 600_000 },
    );
    expect(actions[1]).toEqual(['level-4', 'alert-human', 'schedule-cool-down']);
    expect(state.incident?.status).toBe('waiting-human');
  });

  it('while waiting for a human nothing climbs; resume starts the ladder over and health resolves it as human-resolved', () => {
    const newId = ids();
    let state: LadderState = { incident: null };
    const p: LadderPolicy = { doctorAttempts: 0, agentEnabled: false, coolDownMs: 0 };
    state = ladderStep(state, { type: 'held', reason: 'crash-loop' }, 0, p, newId).state;
    expect(state.incident?.status).toBe('waiting-human');
    expect(ladderStep(state, { type: 'held', reason: 'crash-loop' }, 5, p, newId).actions).toEqual([]);
    const resumed = ladderStep(state, { type: 'resume', by: 'human' }, 10, p, newId);
    expect(resumed.actions).toEqual([{ type: 'restart', reason: 'resume' }]);
    expect(resumed.state.incident).toMatchObject({ status: 'open', level: 0, highestLevel: 4 });
    const healed = ladderStep(resumed.state, { type: 'healthy' }, 60, p, newId);
    expect(healed.actions[0]).toMatchObject({ type: 'resolved', ttrMs: 60, outcome: 'human-resolved' });
  });
});
