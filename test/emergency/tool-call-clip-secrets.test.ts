// A model's tool call is logged cut at 2000 characters: the cut must not leave the head of a secret it went through.
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';

// A secret of the service's environment (registered with the redactor by its value, no pattern knows its shape).
const SECRET = 'Vk9mQ2xPa1RzWnB3YkR4N0ZoSmVMcUdjWXVBaS1uOA';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

describe('Level 3 with an API model: the transcript never keeps part of a secret the 2000-character cut went through', () => {
  it('a write_config call whose 2000th character falls inside the service\'s token', async () => {
    scenario = await makeScenario({ env: { GATEWAY_TOKEN: SECRET } });
    await scenario.host.start();
    // The call's arguments as logged: {"text":" (9 characters), filler, then the token across the 2000th character.
    const text = `${'x'.repeat(2000 - 9 - 20)}${SECRET}\n`;
    standIn = await startOpenAiStandIn([
      { calls: [{ name: 'write_config', arguments: { text } }] },
      { calls: [{ name: 'finish', arguments: { summary: 'tried' } }] },
    ]);
    const r = await scenario.run(
      { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '500ms' },
      { adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx0123' } } },
    );
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript).toContain('tool call call_0_0: write_config(');
    expect(transcript).not.toContain(SECRET.slice(0, 12));
  });
});
