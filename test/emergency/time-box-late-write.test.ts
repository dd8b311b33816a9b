// Level 3's time-box holds for the API agent's tools too: a write whose validation is still running at the deadline
// must never land after the run was judged and reverted (OpenClaw's `config validate` takes 4-25 s, up to 60 s).
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

/** Reads the candidate at once, then (the first time it sees port 0) takes 18 s, like a cold `openclaw config validate`. */
const SLOW_VALIDATOR = `
import fs from 'node:fs'; import { spawnSync } from 'node:child_process';
const [file, marker, demo] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');
if (/"port": 0/.test(text) && !fs.existsSync(marker)) { fs.writeFileSync(marker, ''); await new Promise((r) => setTimeout(r, 18000)); }
const copy = marker + '.' + process.pid + '.json'; fs.writeFileSync(copy, text);
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

describe('Level 3 time-box and the API agent tools', () => {
  it('a write_config still validating at the deadline writes nothing: the config is the pre-run one after the verdict, and stays so', async () => {
    process.env.OPENAI_API_KEY = 'sk-test-late-write-0123456789abcdef';
    standIn = await startOpenAiStandIn([{ calls: [{ name: 'write_config', arguments: { text: FIXED } }] }, { calls: [{ name: 'finish', arguments: { summary: 'port set to 0' } }] }]);
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    // The validator's own files live outside the service's directory (the agent's reach, reverted after the run).
    const tools = tempDir();
    const validator = path.join(tools, 'validator.mjs');
    writeFileSync(cfg, BROKEN);
    writeFileSync(validator, SLOW_VALIDATOR);
    const port = await freePort();
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
            configFile: { path: cfg, format: 'json', validateCommand: [NODE, validator, '{file}', path.join(tools, 'slow-once'), DEMO_GATEWAY_SERVER] },
            probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
            emergency: { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '1s', verifyWindow: '1s' },
          },
        ],
      },
      { dir },
    );
    const t = td;
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 40_000 });
    const started = t.events.find((e) => e.type === 'agent.started')!.time;
    expect(t.events.find((e) => e.type === 'agent.finished')?.details?.outcome).toBe('timeout');
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    // Past the moment the slow validation would have ended (18 s after the call): the agent's text never lands.
    await new Promise((r) => setTimeout(r, Math.max(0, started + 23_000 - Date.now())));
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    expect(t.daemon.runtimes.get('gw')!.status().incident).toMatchObject({ level: 4, status: 'waiting-human' });
  }, 60_000);
});
