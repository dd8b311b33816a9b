// A config no parser reads (one trailing comma: the incident itself) keeps its secrets out of the prompt and the model's requests.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';
import { looseSecretValues } from '../../src/emergency/loose-config-secrets.js';

const CRED = 'cred-7Hq2Lm9Xp4Rt8WzQ';
const TOKEN = 'tv-Zk3Pq8Rs1Tu6Vw0Xy';
// Keys a parsed config's secrets are found by (they mention a secret) but no log pattern knows: only the value hides them.
const BROKEN = `{\n  "name": "demo-gateway",\n  "host": "127.0.0.1",\n  "botCredential": "${CRED}",\n  "gatewayTokenValue": "${TOKEN}",\n  "port": 0,\n}\n`;

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

it('an unparseable config: its secret values reach neither the prompt (log lines that print them) nor read_config sent to the model', { timeout: 60_000 }, async () => {
  scenario = await makeScenario({ configText: BROKEN });
  await fs.appendFile(scenario.host.logFile, `connecting bot with ${CRED}\ngateway value ${TOKEN} loaded\n`);
  standIn = await startOpenAiStandIn([{ calls: [{ name: 'read_config', arguments: {} }] }, { calls: [{ name: 'finish', arguments: { summary: 'looked' } }] }]);
  const r = await scenario.run({ adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '1s' });
  expect(standIn.requests.length).toBe(2);
  const prompt = await fs.readFile(path.join(r.incidentDir!, 'prompt.md'), 'utf8');
  // The log lines made it into the prompt, their secrets did not.
  expect(prompt).toContain('connecting bot with [REDACTED]');
  // The second request carries read_config's result: the config, its secrets redacted.
  const second = standIn.requests[1]!.raw;
  expect(second).toContain('\\"botCredential\\": \\"[REDACTED]\\"');
  for (const raw of [prompt, ...standIn.requests.map((q) => q.raw)]) {
    expect(raw).not.toContain(CRED);
    expect(raw).not.toContain(TOKEN);
  }
});

it('the pairs of JSON, JSON5, YAML, TOML and env text whose key mentions a secret, values as a parser would give them', () => {
  const text = [
    '"apiToken": "a\\"b-1234",',
    "  clientSecret: 'single-quoted-1',",
    'db_password: bare value here   # a comment',
    'webhook_url = "https://hooks.example/x"',
    'BOT_TOKEN=envvalue99',
    '"model": "gpt-4.1",',
    '"port": 0,',
    '"credentials": {',
  ].join('\n');
  expect(looseSecretValues(text)).toEqual(['a"b-1234', 'single-quoted-1', 'bare value here', 'https://hooks.example/x', 'envvalue99']);
});
