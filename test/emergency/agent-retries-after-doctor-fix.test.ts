// A Level 3 run that waited out a person's `clawback doctor --fix` never started: it is no failed attempt. It is tried
// again once the repair is over, its budget run given back, instead of the service climbing to Level 4 for a wait.
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
  release?.();
  await daemon?.stop();
  daemon = undefined;
});

const action = (e: { details?: unknown }): string | undefined => (e.details as { action?: string } | undefined)?.action;

it("a run that waited past its wait for a person's doctor --fix starts once the repair is over, not counted, no Level 4", { timeout: 150_000 }, async () => {
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }) + '\n');
  const go = path.join(dir, 'go');
  release = () => writeFileSync(go, '');
  // The service's doctor the person's --fix runs: slow until the test says go.
  const svcDoctor = path.join(dir, 'svc-doctor.sh');
  writeFileSync(svcDoctor, `#!/bin/sh\nwhile [ ! -e ${JSON.stringify(go)} ]; do sleep 0.1; done\n`, { mode: 0o755 });
  const seen = path.join(dir, 'agent-ran');
  const agent = path.join(dir, 'agent.mjs');
  writeFileSync(agent, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(seen)}, 'ran');\n`);
  const port = await freePort();
  const service = (doctorTimeout: string, validateTimeout: string) => ({
    name: 'gw',
    command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
    cwd: dir,
    configFile: { path: cfg, format: 'json', validateTimeout, validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] },
    probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
    doctor: { attempts: 0, command: [svcDoctor], timeout: doctorTimeout },
    // One agent run per window: a wait that spent it left nothing for the real attempt.
    emergency: { adapter: 'command', command: [NODE, agent], timeBox: '30s', verifyWindow: '1s', budget: { runs: 1, window: '1h' } },
  });
  // The person's repair outlasts the daemon's wait for it (its own timeout is long; the daemon's makes the wait ~19 s).
  const personConfig = path.join(dir, 'person.yaml');
  writeFileSync(personConfig, YAML.stringify(markServices({ services: [service('120s', '30s')] })));
  const stateDir = path.join(dir, 'state');
  const person = runCli(['doctor', 'gw', '--fix', '--config', personConfig, '--state-dir', stateDir], { timeoutMs: 130_000 });
  await waitFor(() => existsSync(path.join(stateDir, 'locks', 'doctor-gw.lock')) || undefined, { timeoutMs: 30_000 });

  daemon = await startTestDaemon({ services: [service('1s', '2s')] }, { dir });
  // The run's wait ends with the person still at work (before the fix: refused, counted, Level 4).
  const waited = await waitFor(() => daemon!.events.find((e) => ['agent-waited-repair', 'agent-refused'].includes(action(e) ?? '')), { timeoutMs: 90_000 });
  release();
  await person;
  await waitFor(() => existsSync(seen) || daemon!.events.find((e) => e.level === 4), { timeoutMs: 60_000 });
  expect(daemon.events.filter((e) => e.level === 4).map((e) => e.message)).toEqual([]);
  expect(action(waited)).toBe('agent-waited-repair');
  expect(readFileSync(seen, 'utf8')).toBe('ran');
  expect(daemon.events.find((e) => action(e) === 'agent-retry-after-repair')?.message).toMatch(/not counted against the budget/);
});
