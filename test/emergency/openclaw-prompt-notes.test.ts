// A Level 3 agent called to an OpenClaw gateway must be told its habits (config validate takes no path, exit 78, its
// own .bak copies, health by HTTP, do not stop/install it): the facts openclawLayout holds, which no prompt carried.
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openclawSchema } from '../../src/openclaw/openclaw-schema.js';
import { makeScenario, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

async function promptOf(openclaw: boolean): Promise<{ sent: string; file: string }> {
  scenario = await makeScenario({ env: { OPENCLAW_STATE_DIR: '/srv/oc-state' } });
  if (openclaw) {
    scenario.service.openclaw = openclawSchema.parse({ cli: ['/opt/node24/bin/node', '/opt/openclaw/openclaw.mjs'] });
    scenario.service.port = 24777;
  }
  await scenario.host.start();
  standIn = await startOpenAiStandIn([{ calls: [{ name: 'finish', arguments: { summary: 'nothing to do' } }] }]);
  const r = await scenario.run(
    { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '300ms' },
    { adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-notes-0123456789abcdefgh' } } },
  );
  return { sent: standIn.requests[0]!.raw, file: await fs.readFile(`${r.incidentDir!}/prompt.md`, 'utf8') };
}

describe('Level 3 prompt of an OpenClaw gateway', () => {
  it('carries the gateway\'s facts, with this service\'s config, CLI, state dir and port', async () => {
    const { sent, file } = await promptOf(true);
    expect(file).toContain('## About this service');
    expect(file).toContain(`JSON5 at ${scenario!.service.configFile!.path}`);
    expect(file).toContain('`/opt/node24/bin/node /opt/openclaw/openclaw.mjs config validate --json`');
    expect(file).toMatch(/Exit code 78 means a config, lock or schema problem/);
    expect(file).toContain('gateway port 24777');
    expect(file).toContain('/srv/oc-state/tmp/openclaw-<uid>/gateway.*.lock');
    expect(file).toContain('Do not run `/opt/node24/bin/node /opt/openclaw/openclaw.mjs gateway install/uninstall/stop`');
    expect(sent).toContain('About this service');
  }, 60_000);

  it('a service that is not an OpenClaw gateway gets no such section', async () => {
    const { file } = await promptOf(false);
    expect(file).not.toContain('About this service');
    expect(file).not.toMatch(/openclaw/i);
  }, 60_000);
});
