// A Level 3 agent run through an interpreter (`sh x.sh`, `node agent.js`) whose script is not there never ran: not launched.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emergencySchema, type EmergencyConfigInput } from '../../src/emergency/emergency-schema.js';
import { runAgentSession } from '../../src/emergency/run-emergency.js';
import { interpreterScript } from '../../src/emergency/interpreter-script.js';
import { systemClock } from '../../src/platform/clock.js';
import { BROKEN_CONFIG, makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;

afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

const env = { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' };
let n = 0;

function session(s: Scenario, cfg: EmergencyConfigInput, tmux: boolean) {
  return runAgentSession({
    incident: s.incident(`script-${process.pid}-${++n}`),
    service: s.service,
    config: emergencySchema.parse(cfg),
    host: s.host,
    clock: systemClock(),
    redactor: s.redactor,
    stateDir: s.stateDir,
    emit: (e) => s.events.push(e),
    adapterOptions: { cli: { tmux: tmux ? { socket: `clawback-test-script-${process.pid}` } : false, env } },
  });
}

describe('Level 3 with an interpreter whose script is not there', () => {
  for (const tmux of [true, false]) {
    it(`sh missing-script.sh, node /nope/agent.js (${tmux ? 'tmux' : 'bare PTY'}): launched false, named, config untouched`, async () => {
      scenario = await makeScenario();
      const sh = await session(scenario, { adapter: 'command', command: ['sh', 'clawback-missing-script.sh', '{prompt_file}'], timeBox: '20s' }, tmux);
      // Before: launched true, outcome failed, 'command exited 127' (a paid, tried run).
      expect(sh.launched).toBe(false);
      expect(sh.detail).toContain('never started');
      expect(sh.detail).toContain('clawback-missing-script.sh');
      expect(sh.detail).toContain('does not exist');
      const node = await session(scenario, { adapter: 'command', command: ['node', '--no-warnings', '/nope/agent.js'], timeBox: '20s' }, tmux);
      // Before: launched true, 'command exited 1' (node's MODULE_NOT_FOUND).
      expect(node.launched).toBe(false);
      expect(node.detail).toContain('/nope/agent.js');
      expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    }, 60_000);
  }

  it('a script that is there, `sh -c` and `node -e` still run', async () => {
    scenario = await makeScenario();
    const script = path.join(scenario.dir, 'agent.sh');
    await fs.writeFile(script, 'echo looked at it\nexit 3\n', { mode: 0o644 });
    const there = await session(scenario, { adapter: 'command', command: ['sh', script], timeBox: '20s' }, false);
    expect(there.launched).toBe(true);
    expect(there.detail).toContain('exited 3');
    const inline = await session(scenario, { adapter: 'command', command: ['sh', '-c', 'exit 4'], timeBox: '20s' }, false);
    expect(inline.launched).toBe(true);
    expect(inline.detail).toContain('exited 4');
    const ev = await session(scenario, { adapter: 'command', command: ['node', '-e', 'process.exit(5)'], timeBox: '20s' }, false);
    expect(ev.launched).toBe(true);
    expect(ev.detail).toContain('exited 5');
  }, 60_000);
});

describe('interpreterScript: which word is the script', () => {
  it('finds the script past options and their values; none for inline code, stdin, the prompt or another binary', () => {
    expect(interpreterScript(['sh', 'x.sh'])?.script).toBe('x.sh');
    expect(interpreterScript(['/usr/bin/node', '--require', 'dotenv/config', '/a/agent.js'])?.script).toBe('/a/agent.js');
    expect(interpreterScript(['python3.12', '-u', 'fix.py'])?.script).toBe('fix.py');
    expect(interpreterScript(['bash', '-o', 'pipefail', 'run.sh'])).toEqual({ interpreter: 'bash', script: 'run.sh', searchesPath: true });
    expect(interpreterScript(['node', '--', 'agent.js'])?.script).toBe('agent.js');
    for (const inline of [['sh', '-c', 'x'], ['sh', '-ec', 'x'], ['node', '-e', 'x'], ['python3', '-Im', 'pkg'], ['perl', '-ne', 'x'], ['sh', '-s'], ['node']]) {
      expect(interpreterScript(inline)).toBeUndefined();
    }
    expect(interpreterScript(['sh', { prompt: true }])).toBeUndefined();
    expect(interpreterScript(['claude', 'x.sh'])).toBeUndefined();
  });
});
