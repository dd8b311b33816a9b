// The time-box fires while a tool is still at work (a restart waiting out the service's stop grace): the transcript is kept.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';

const BROKEN = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2)}\n`;
const FIXED = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }, null, 2)}\n`;

let daemon: TestDaemon | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await daemon?.stop();
  await standIn?.close();
  daemon = undefined;
  standIn = undefined;
  delete process.env.OPENAI_API_KEY;
});

it('a restart_service that outlasts the time-box (SIGTERM ignored, 30 s stop grace): the run ends at the deadline with its transcript', { timeout: 180_000 }, async () => {
  process.env.OPENAI_API_KEY = 'sk-test-timebox-0123456789abcdefghij';
  // The second restart once the first one's gateway runs healthy: its stop then waits out the whole grace.
  let healthy!: () => void;
  const runsHealthy = new Promise<void>((resolve) => (healthy = resolve));
  standIn = await startOpenAiStandIn([
    { text: 'port is a string', calls: [{ name: 'write_config', arguments: { text: FIXED } }] },
    { calls: [{ name: 'restart_service', arguments: {} }] },
    { hold: runsHealthy, calls: [{ name: 'restart_service', arguments: {} }] },
  ]);
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, BROKEN);
  const port = await freePort();
  daemon = await startTestDaemon(
    {
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
          env: { DEMO_IGNORE_SIGTERM: '1' },
          stop: { grace: '30s' },
          configFile: { path: cfg, format: 'json', validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
          emergency: { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '10s', verifyWindow: '2s' },
        },
      ],
    },
    { dir },
  );
  const started = await waitFor(() => daemon!.events.find((e) => e.type === 'agent.started'), { timeoutMs: 90_000 });
  const rt = daemon.daemon.runtimes.get('gw')!;
  await waitFor(() => standIn!.requests.length >= 3 && rt.status().state === 'running' && rt.status().health === 'healthy', { timeoutMs: 30_000 });
  healthy();
  const ended = await waitFor(() => daemon!.events.find((e) => e.type === 'incident.action' && e.details?.action === 'agent-ended'), { timeoutMs: 60_000 });
  // Without the fix: "the agent did not stop within 15s of the deadline" after 23 s, and a transcript of its header only.
  expect(ended.message).toContain('reached its time-box of 10s');
  expect(ended.message).not.toContain('did not stop within');
  expect(ended.time - started.time).toBeLessThan(14_000);
  const transcript = readFileSync(String(ended.details!.transcript), 'utf8');
  expect(transcript).toContain('=== prompt ===');
  expect(transcript).toContain('tool call call_0_0: write_config');
  expect(transcript).toMatch(/=== aborted at the time-box while restart_service was running/);
  expect(transcript).not.toContain('sk-test-timebox');
});
