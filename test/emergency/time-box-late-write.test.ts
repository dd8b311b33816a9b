// Level 3's time-box holds for the API agent's tools too: a write whose validation is still running at the deadline
// must never land after the run was judged and reverted, and a write validates once (OpenClaw's `config validate` takes 4-25 s, up to 60 s).
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';

const BROKEN = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2) + '\n';
const FIXED = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }, null, 2) + '\n';

/**
 * Appends one line per run ("fixed" or "other", and the time) to LOG, then checks the text with the demo gateway's own
 * check. With a MARKER (not "-"), the first check of the fixed text takes 18 s, like a cold `openclaw config validate`.
 */
const VALIDATOR = `
import fs from 'node:fs'; import { spawnSync } from 'node:child_process';
const [file, log, marker, demo] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');
const fixed = /"port": 0/.test(text);
fs.appendFileSync(log, (fixed ? 'fixed' : 'other') + ' ' + Date.now() + '\\n');
if (fixed && marker !== '-' && !fs.existsSync(marker)) { fs.writeFileSync(marker, ''); await new Promise((r) => setTimeout(r, 18000)); }
const copy = log + '.' + process.pid + '.json'; fs.writeFileSync(copy, text);
const r = spawnSync(process.execPath, [demo, '--check-config', copy], { stdio: 'inherit' });
fs.rmSync(copy); process.exit(r.status ?? 1);
`;

let td: TestDaemon | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await standIn?.close();
  standIn = undefined;
  delete process.env.OPENAI_API_KEY;
});

/** The demo gateway with a broken config, Level 3 by the OpenAI stand-in, the validator above (slow once when asked). */
async function startGw(modelUrl: string, timeBox: string, slowOnce: boolean): Promise<{ cfg: string; log: string }> {
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  // The validator's own files live outside the service's directory (the agent's reach, reverted after the run).
  const tools = tempDir();
  const validator = path.join(tools, 'validator.mjs');
  const log = path.join(tools, 'runs.log');
  writeFileSync(cfg, BROKEN);
  writeFileSync(validator, VALIDATOR);
  writeFileSync(log, '');
  const port = await freePort();
  td = await startTestDaemon(
    {
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
          configFile: { path: cfg, format: 'json', validateCommand: [NODE, validator, '{file}', log, slowOnce ? path.join(tools, 'slow-once') : '-', DEMO_GATEWAY_SERVER] },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
          emergency: { adapter: 'openai', baseUrl: `${modelUrl}/v1`, model: 'stand-in', timeBox, verifyWindow: '1s' },
        },
      ],
    },
    { dir },
  );
  return { cfg, log };
}

describe('Level 3 time-box and the API agent tools', () => {
  it('a write_config still validating at the deadline writes nothing: the config is the pre-run one after the verdict, and stays so', async () => {
    process.env.OPENAI_API_KEY = 'sk-test-late-write-0123456789abcdef';
    standIn = await startOpenAiStandIn([{ calls: [{ name: 'write_config', arguments: { text: FIXED } }] }, { calls: [{ name: 'finish', arguments: { summary: 'port set to 0' } }] }]);
    const { cfg } = await startGw(standIn.url, '1s', true);
    const t = td!;
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 40_000 });
    const started = t.events.find((e) => e.type === 'agent.started')!.time;
    expect(t.events.find((e) => e.type === 'agent.finished')?.details?.outcome).toBe('timeout');
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    // Past the moment the slow validation would have ended (18 s after the call): the agent's text never lands.
    await new Promise((r) => setTimeout(r, Math.max(0, started + 23_000 - Date.now())));
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    expect(t.daemon.runtimes.get('gw')!.status().incident).toMatchObject({ level: 4, status: 'waiting-human' });
  }, 60_000);

  // write_config validates the agent's text, then the host's write checks it again: the same bytes must not cost the
  // time-box two validator runs.
  it('write_config validates the text once: the write does not run the validator again on the same bytes', async () => {
    process.env.OPENAI_API_KEY = 'sk-test-validate-once-0123456789abcdef';
    standIn = await startOpenAiStandIn([{ calls: [{ name: 'write_config', arguments: { text: FIXED } }] }, { calls: [{ name: 'finish', arguments: { summary: 'port set to 0' } }] }]);
    const { cfg, log } = await startGw(standIn.url, '60s', false);
    const t = td!;
    await waitFor(() => t.events.find((e) => e.type === 'agent.finished'), { timeoutMs: 60_000 });
    expect(readFileSync(cfg, 'utf8')).toBe(FIXED);
    // The start's preflight checks the file again once the run has ended: that one is not the write's.
    const ended = t.events.find((e) => e.type === 'incident.action' && /the agent's run ended/.test(e.message))!.time;
    const runs = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(runs.filter(([what, at]) => what === 'fixed' && Number(at) <= ended).length).toBe(1);
  }, 90_000);
});
