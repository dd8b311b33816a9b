// Claude Code stopped at --max-turns (real fake `claude` in real tmux): an unfinished run, verified, never "exited 1" or "finished".
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, expect, it } from 'vitest';
import { BROKEN_CONFIG, FIXED_CONFIG, makeScenario, type Scenario } from './scenario.js';
import { claudeOutOfTurns } from '../../src/emergency/claude-adapter.js';

const BIN = fileURLToPath(new URL('./bin', import.meta.url));
const SOCKET = `clawback-test-turns-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
}

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});
afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // not running
  }
});

function cli(extra: Record<string, string>) {
  return { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: { PATH: `${BIN}:${process.env.PATH ?? ''}`, CLAWBACK_TEST_CHILD: '1', FAKE_AGENT_MODE: 'max-turns', ...extra } } } };
}

function ended(s: Scenario): { message: string; severity: string; details: Record<string, unknown> } {
  return s.events.find((e) => e.type === 'incident.action' && (e.details as { action?: string }).action === 'agent-ended') as never;
}

it('claude fixed the config, then stopped at its turn limit with exit 1: verified healthy and kept, said to have run out of turns', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  await scenario.host.start();
  const r = await scenario.run({ adapter: 'claude', timeBox: '30s', verifyWindow: '1500ms', maxTurns: 7 }, cli({ FAKE_AGENT_FIX: '1' }), 'inc-turns-fix');
  // Before: "claude exited 1 after 1.2s: Error: Reached max turns (7)", outcome failed, the good fix reverted unverified.
  expect(r.outcome).toBe('fixed');
  expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
  const e = ended(scenario);
  expect(e.message).toContain('claude ran out of turns');
  expect(e.details).toMatchObject({ agentStatus: 'out-of-turns', outOfTurns: 7 });
  const verdict = scenario.events.find((x) => x.type === 'agent.finished')!;
  expect(verdict.details).toMatchObject({ outcome: 'fixed', outOfTurns: 7 });
  expect(await fs.readFile(r.transcriptPath!, 'utf8')).toContain('status ran out of turns, exit 1');
});

it('claude stopped at its turn limit with the service still broken: out-of-turns, reverted, whatever its exit code', { timeout: 60_000 }, async () => {
  for (const exit of ['1', '0']) {
    scenario = await makeScenario();
    await scenario.host.start();
    await scenario.run({ adapter: 'claude', timeBox: '30s', verifyWindow: '1s', maxTurns: 4 }, cli({ FAKE_AGENT_EXIT: exit }), `inc-turns-broken-${exit}`);
    // Before: exit 0 read "claude exited 0" (agentStatus completed, as if it had finished); exit 1 read "failed".
    expect(ended(scenario).details).toMatchObject({ agentStatus: 'out-of-turns', outOfTurns: 4 });
    expect(ended(scenario).severity).toBe('warning');
    const verdict = scenario.events.find((x) => x.type === 'agent.finished')!;
    expect(verdict.details).toMatchObject({ outcome: 'out-of-turns', outOfTurns: 4 });
    expect(verdict.message).toContain('the agent ran out of turns');
    expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    await scenario.cleanup();
    scenario = undefined;
  }
});

it('only the last line of its output counts: the words quoted earlier (from a log) are no turn limit', () => {
  expect(claudeOutOfTurns('Error: Reached max turns (12)\n', 1)).toBe(12);
  expect(claudeOutOfTurns('did things\nError: Reached maximum number of turns (3)\n\n', 1)).toBe(3);
  expect(claudeOutOfTurns('log said: Error: Reached max turns (9)\nFixed the port.\n', 0)).toBeUndefined();
  expect(claudeOutOfTurns('Error: Reached max turns (12) because of x', 1)).toBeUndefined();
  expect(claudeOutOfTurns('[clawback] ended 1 process(es)\n', 0)).toBeUndefined();
  // (a run killed by a signal has no exit code: not judged)
  expect(claudeOutOfTurns('Error: Reached max turns (2)', null)).toBeUndefined();
});
