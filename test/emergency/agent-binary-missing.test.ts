// A Level 3 agent whose binary is not there (exit 127 from the launcher, 126 not executable) never ran: not launched.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emergencySchema, type EmergencyConfigInput } from '../../src/emergency/emergency-schema.js';
import { runAgentSession } from '../../src/emergency/run-emergency.js';
import { systemClock } from '../../src/platform/clock.js';
import { BROKEN_CONFIG, makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;

afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

const env = { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' };
let n = 0;

/** The daemon's call: the session up to the agent's end, with its `launched` (the reducer gives the budget back on false). */
function session(s: Scenario, cfg: EmergencyConfigInput, tmux: boolean) {
  return runAgentSession({
    incident: s.incident(`missing-${process.pid}-${++n}`),
    service: s.service,
    config: emergencySchema.parse(cfg),
    host: s.host,
    clock: systemClock(),
    redactor: s.redactor,
    stateDir: s.stateDir,
    emit: (e) => s.events.push(e),
    adapterOptions: { cli: { tmux: tmux ? { socket: `clawback-test-missing-${process.pid}` } : false, env } },
  });
}

describe('Level 3 with an agent binary that is not there', () => {
  for (const tmux of [true, false]) {
    it(`a command not found (${tmux ? 'tmux' : 'bare PTY'}): launched false, said so, the config untouched`, async () => {
      scenario = await makeScenario();
      const r = await session(scenario, { adapter: 'command', command: ['clawback-no-such-agent-binary', '--fix'], timeBox: '20s' }, tmux);
      // Before: outcome 'failed', launched true, 'command exited 127 after 0.1s' (a paid, tried run).
      expect(r.launched).toBe(false);
      expect(r.outcome).toBe('failed');
      expect(r.detail).toContain('never started');
      expect(r.detail).toContain('clawback-no-such-agent-binary');
      expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    }, 60_000);
  }

  it('a binary not executable (126) or its #! interpreter gone: launched false; a real agent that exits 127 later is a run', async () => {
    scenario = await makeScenario();
    const bin = path.join(scenario.dir, 'agent-not-exec');
    await fs.writeFile(bin, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const r = await session(scenario, { adapter: 'command', command: [bin], timeBox: '20s' }, false);
    expect(r.launched).toBe(false);
    expect(r.detail).toContain('not executable');
    const gone = path.join(scenario.dir, 'agent-gone-interpreter');
    await fs.writeFile(gone, '#!/nonexistent/bin/python9\nprint(1)\n', { mode: 0o755 });
    const noInterpreter = await session(scenario, { adapter: 'command', command: [gone], timeBox: '20s' }, false);
    expect(noInterpreter.launched).toBe(false);
    expect(noInterpreter.detail).toContain('/nonexistent/bin/python9');
    const ran = await session(scenario, { adapter: 'command', command: ['sh', '-c', 'echo looked at it; exit 127'], timeBox: '20s' }, false);
    expect(ran.launched).toBe(true);
    expect(ran.detail).toContain('exited 127');
  }, 60_000);
});
