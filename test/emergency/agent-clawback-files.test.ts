// A CLI agent that rewrites Clawback's API token in the state dir (real command agent): the change is reported.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

describe("an agent that changes Clawback's own files", () => {
  it('rewriting the state dir token is reported as a critical agent-changed-clawback-files', async () => {
    scenario = await makeScenario();
    const s = scenario;
    const token = path.join(s.stateDir, 'token');
    await fs.writeFile(token, 'a'.repeat(48) + '\n', { mode: 0o600 });
    const agent = path.join(s.dir, 'agent.sh');
    await fs.writeFile(agent, `printf '%s\\n' ${'b'.repeat(48)} > '${token}'\necho done\n`);
    await s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      'inc-own-files',
    );
    const ev = s.events.find((e) => e.details?.action === 'agent-changed-clawback-files');
    expect(ev, "a change to Clawback's token is reported").toBeDefined();
    expect(ev!.severity).toBe('critical');
    expect(ev!.details).toMatchObject({ changed: [token] });
    expect(ev!.message).toContain(token);
  }, 60_000);
});
