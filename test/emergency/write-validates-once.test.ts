// write_config validates the agent's text, then the host's write checks it again: the same bytes must not cost the
// time-box two validator runs (OpenClaw's `config validate` takes 4-25 s).
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

/** Appends one line per run naming what it was asked to check, then checks it with the demo gateway's own check. */
const COUNTING_VALIDATOR = `
import fs from 'node:fs'; import { spawnSync } from 'node:child_process';
const [file, log, demo] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');
fs.appendFileSync(log, (/"port": 0/.test(text) ? 'fixed' : 'other') + ' ' + Date.now() + '\\n');
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

describe('the API agent write_config', () => {
  it('validates the text once: the write does not run the validator again on the same bytes', async () => {
    process.env.OPENAI_API_KEY = 'sk-test-validate-once-0123456789abcdef';
    standIn = await startOpenAiStandIn([{ calls: [{ name: 'write_config', arguments: { text: FIXED } }] }, { calls: [{ name: 'finish', arguments: { summary: 'port set to 0' } }] }]);
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    const tools = tempDir();
    const validator = path.join(tools, 'validator.mjs');
    const log = path.join(tools, 'runs.log');
    writeFileSync(cfg, BROKEN);
    writeFileSync(validator, COUNTING_VALIDATOR);
    writeFileSync(log, '');
    const port = await freePort();
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
            configFile: { path: cfg, format: 'json', validateCommand: [NODE, validator, '{file}', log, DEMO_GATEWAY_SERVER] },
            probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
            emergency: { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '60s', verifyWindow: '1s' },
          },
        ],
      },
      { dir },
    );
    const t = td;
    await waitFor(() => t.events.find((e) => e.type === 'agent.finished'), { timeoutMs: 60_000 });
    expect(readFileSync(cfg, 'utf8')).toBe(FIXED);
    // The start's preflight checks the file again once the run has ended: that one is not the write's.
    const ended = t.events.find((e) => e.type === 'incident.action' && /the agent's run ended/.test(e.message))!.time;
    const runs = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const fixedRuns = runs.filter(([what, at]) => what === 'fixed' && Number(at) <= ended).length;
    expect(fixedRuns).toBe(1);
  }, 90_000);
});
