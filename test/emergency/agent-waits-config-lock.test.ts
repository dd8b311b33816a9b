// A `clawback doctor --fix` run with its own state dir (its own clawback.yaml) and a Level 3 agent never repair one
// config at once: the agent's run takes the config's own repair lock too, not only its state dir's.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, expect, it } from 'vitest';
import { NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { freePort } from '../helpers/ports.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';

let daemon: TestDaemon | undefined;
let release: (() => void) | undefined;
afterEach(async () => {
  // The person's doctor ends whatever happened (its service doctor waits for this file).
  release?.();
  await daemon?.stop();
  daemon = undefined;
});

it("a Level 3 run waits for a doctor --fix of the same config run with another state dir (its own clawback.yaml)", { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }) + '\n');
  const doctorDone = path.join(dir, 'doctor-done');
  const go = path.join(dir, 'go');
  release = () => writeFileSync(go, '');
  // The service's own doctor, run by the person's doctor --fix: slow (until the test says go), then it writes its repair.
  const svcDoctor = path.join(dir, 'svc-doctor.sh');
  writeFileSync(svcDoctor, `#!/bin/sh\nwhile [ ! -e ${JSON.stringify(go)} ]; do sleep 0.1; done\ntouch ${JSON.stringify(doctorDone)}\n`, { mode: 0o755 });
  // The stand-in agent: records whether the person's repair had ended when it started.
  const seen = path.join(dir, 'agent-saw');
  const agent = path.join(dir, 'agent.mjs');
  writeFileSync(agent, `import { existsSync, writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(seen)}, existsSync(${JSON.stringify(doctorDone)}) ? 'after' : 'during');\n`);
  const port = await freePort();
  const config = {
    services: [
      {
        name: 'gw',
        command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
        cwd: dir,
        configFile: { path: cfg, format: 'json', validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] },
        probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
        doctor: { attempts: 0, command: [svcDoctor], timeout: '60s' },
        emergency: { adapter: 'command', command: [NODE, agent], timeBox: '30s', verifyWindow: '1s' },
      },
    ],
  };
  const configFile = path.join(dir, 'clawback.yaml');
  writeFileSync(configFile, YAML.stringify(markServices(config)));
  const stateDir = path.join(dir, 'person-state');
  // The person's repair, with no daemon running: it holds the service's repair lock while the service's doctor runs.
  const person = runCli(['doctor', 'gw', '--fix', '--config', configFile, '--state-dir', stateDir], { timeoutMs: 90_000 });
  await waitFor(() => existsSync(path.join(dir, '.gateway.json.clawback-repair')) || undefined, { timeoutMs: 30_000 });

  // The daemon starts meanwhile: the config is invalid, no doctor attempts, so Level 3 at once.
  daemon = await startTestDaemon(config, { dir });
  const waits = await waitFor(() => daemon!.events.find((e) => (e.details as { action?: string } | undefined)?.action === 'agent-waits-repair'), { timeoutMs: 30_000 });
  expect(waits.message).toContain('clawback doctor --fix');
  expect(daemon.events.some((e) => e.type === 'agent.started')).toBe(false);
  writeFileSync(go, '');
  await person;
  await waitFor(() => existsSync(seen) || undefined, { timeoutMs: 60_000 });
  expect(readFileSync(seen, 'utf8')).toBe('after');
});
