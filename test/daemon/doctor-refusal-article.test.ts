// `clawback doctor --fix` while the ladder's agent run is in flight: the daemon's refusal read "a agent run is in flight";
// the article now fits the work kind ("an agent", "a doctor").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { isRunning, killTree, pidRef, signalProcess, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

interface Svc {
  pid: number | null;
  work: { kind: string } | null;
}

// A service that exits 1 while a flag file exists, else serves; an agent that only thinks.
const SERVICE = `import http from 'node:http'; import fs from 'node:fs';
if (fs.existsSync(process.argv[3])) { console.error('broken'); process.exit(1); }
http.createServer((q, r) => r.end('ok')).listen(Number(process.argv[2]), '127.0.0.1');
`;

describe('the daemon refuses a doctor run while an agent run is in flight', () => {
  let dir: string;
  let stateDir: string;
  let config: string;
  let flag: string;
  let daemon: MarkedChild;
  const status = async (): Promise<Svc> => (JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: Svc[] }).services[0]!;

  beforeAll(async () => {
    dir = tempDir('clawback-doctor-article-');
    stateDir = path.join(dir, 'state');
    flag = path.join(dir, 'broken');
    const port = await freePort();
    writeFileSync(path.join(dir, 'svc.mjs'), SERVICE);
    writeFileSync(path.join(dir, 'agent.mjs'), "console.log('thinking'); setTimeout(() => {}, 30000);\n");
    config = path.join(dir, 'clawback.yaml');
    const service = {
      name: 'gw',
      command: [NODE, path.join(dir, 'svc.mjs'), String(port), flag],
      port,
      restart: { backoff: { initial: '100ms', max: '1s', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
      doctor: { attempts: 0 },
      emergency: { adapter: 'command', command: [NODE, path.join(dir, 'agent.mjs')], timeBox: '60s', verifyWindow: '2s' },
      probes: [{ kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/`, interval: '300ms', timeout: '500ms', failureThreshold: 2, startupGrace: '5s' }],
    };
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [service] })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('dashboard:', 20_000);
    await waitFor(async () => (await status()).pid !== null || undefined, { timeoutMs: 20_000, intervalMs: 200 });
  }, 60_000);

  afterAll(async () => {
    const s = await status().catch(() => undefined);
    signalProcess(daemon.ref, 'SIGTERM');
    await waitFor(() => !isRunning(daemon.ref), { timeoutMs: 15_000 }).catch(() => undefined);
    daemon.kill();
    if (s?.pid) killTree(pidRef(s.pid, null));
    rmSync(dir, { recursive: true, force: true });
  });

  it('says "an agent run is in flight", not "a agent"', async () => {
    const first = await status();
    writeFileSync(flag, '');
    process.kill(first.pid!, 'SIGKILL');
    await waitFor(async () => ((await status()).work?.kind === 'agent' ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    const r = await runCli(['doctor', 'gw', '--fix', '--config', config, '--state-dir', stateDir], { timeoutMs: 60_000 });
    const said = r.stdout + r.stderr;
    expect(said).toContain('not started: an agent run is in flight');
    expect(said).not.toContain('a agent');
  }, 90_000);
});
