// The whole ladder in the daemon: exit 78 -> doctor cannot fix (no good copy) -> Level 3 agent -> verified or Level 4.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { startOpenAiStandIn, type StandIn, type ScriptStep } from '../emergency/model-standins.js';

const BROKEN = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2) + '\n';
const FIXED = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }, null, 2) + '\n';
const KEY = 'sk-test-ladder-0123456789abcdefghij';

let td: TestDaemon | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await standIn?.close();
  standIn = undefined;
  delete process.env.OPENAI_API_KEY;
});

async function run(script: ScriptStep[]): Promise<{ t: TestDaemon; cfg: string; port: number }> {
  process.env.OPENAI_API_KEY = KEY;
  standIn = await startOpenAiStandIn(script);
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, BROKEN);
  const port = await freePort();
  td = await startTestDaemon(
    {
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
          configFile: { path: cfg, format: 'json', validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
          emergency: { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '1s' },
        },
      ],
    },
    { dir },
  );
  return { t: td, cfg, port };
}

describe('Level 3 in the running daemon', () => {
  it('an agent fix is verified by Clawback and kept; the incident resolves at level 3', async () => {
    const { t, cfg, port } = await run([
      { calls: [{ name: 'read_config', arguments: {} }] },
      { calls: [{ name: 'write_config', arguments: { text: FIXED } }] },
      { calls: [{ name: 'restart_service', arguments: {} }] },
      { calls: [{ name: 'finish', arguments: { summary: 'port was "oops"; set to 0' } }] },
    ]);
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved') && t.events.some((e) => e.type === 'agent.finished'), { timeoutMs: 40_000 });
    expect(readFileSync(cfg, 'utf8')).toBe(FIXED);
    expect((await httpGet(`http://127.0.0.1:${port}/health`, 1000)).status).toBe(200);
    const levels = t.events.filter((e) => e.type === 'incident.level').map((e) => e.level);
    expect(levels).toEqual([2, 3]);
    expect(t.events.find((e) => e.type === 'agent.finished')?.details?.outcome).toBe('fixed');
    expect(t.events.find((e) => e.type === 'incident.resolved')?.details).toMatchObject({ highestLevel: 3, outcome: 'auto-resolved' });
    // The key never reached the model stand-in's bodies or the journal.
    expect(standIn!.requests.map((r) => r.raw).join('\n')).not.toContain(KEY);
    expect(readFileSync(path.join(t.stateDir, 'journal.jsonl'), 'utf8')).not.toContain(KEY);
  });

  it('an agent that does nothing is not believed: its changes reverted, escalated to a human', async () => {
    const { t, cfg } = await run([
      { calls: [{ name: 'write_config', arguments: { text: '{"name": "x", "port": 1, "host": "127.0.0.1", "bogus": true}\n' } }] },
      { calls: [{ name: 'finish', arguments: { summary: 'all good, trust me' } }] },
    ]);
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 40_000 });
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    expect(t.events.find((e) => e.type === 'agent.finished')?.details?.outcome).not.toBe('fixed');
    expect(t.daemon.runtimes.get('gw')!.status().incident).toMatchObject({ level: 4, status: 'waiting-human' });
  });
});
