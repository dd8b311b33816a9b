// The prompt's "Service layout" goes to the model too: a password in the health check URL must not.
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';

const PROBE_PASSWORD = 'Hunter2-probe-pass';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

describe('Level 3 prompt: the service layout is redacted', () => {
  it('a health check URL with user:password never reaches the model, the prompt file or the transcript', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    standIn = await startOpenAiStandIn([{ calls: [{ name: 'finish', arguments: { summary: 'nothing to do' } }] }]);
    const r = await scenario.run(
      { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '300ms' },
      { adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-layout-0123456789abcdefgh' } }, context: { healthCheck: `GET http://monitor:${PROBE_PASSWORD}@127.0.0.1:15672/api/health -> 2xx/3xx` } },
    );
    const body = standIn.requests[0]!.raw;
    expect(body).toContain('health check Clawback runs: GET http://monitor:[REDACTED]@127.0.0.1:15672/api/health');
    expect(body).not.toContain(PROBE_PASSWORD);
    expect(await fs.readFile(`${r.incidentDir!}/prompt.md`, 'utf8')).not.toContain(PROBE_PASSWORD);
    expect(await fs.readFile(r.transcriptPath!, 'utf8')).not.toContain(PROBE_PASSWORD);
  });
});
