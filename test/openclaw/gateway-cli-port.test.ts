// `openclaw gateway call` picks its gateway by --port, then OPENCLAW_GATEWAY_PORT, then the config's gateway.port: a
// channel restart must reach the supervised gateway (its pinned port), never a sibling on the port the config names.
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceSchema } from '../../src/config/schema.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { gatewayCli } from '../../src/openclaw/gateway-cli.js';
import { restartChannel } from '../../src/openclaw/channel-restart.js';
import { tempDir } from '../helpers/daemon.js';
import { freePortRun } from '../helpers/ports.js';

/**
 * `openclaw gateway call <method> [--params P] [--port N] --json`, its port chosen as openclaw 2026.9.6 chooses it
 * (measured: with gateway.port 28771 in the config and nothing else it called ws://127.0.0.1:28771; with
 * OPENCLAW_GATEWAY_PORT=28791 or --port 28791, ws://127.0.0.1:28791); the call goes over real loopback HTTP here.
 */
const CALL_CLI = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const argv = process.argv.slice(2);
const flag = (n) => { const i = argv.indexOf(n); return i < 0 ? undefined : argv[i + 1]; };
let port = flag('--port') ?? process.env.OPENCLAW_GATEWAY_PORT;
if (!port && process.env.OPENCLAW_CONFIG_PATH) port = JSON5.parse(readFileSync(process.env.OPENCLAW_CONFIG_PATH, 'utf8')).gateway?.port;
port ??= 18789;
let base = 'http://127.0.0.1:' + port;
// OPENCLAW_GATEWAY_URL beats OPENCLAW_GATEWAY_PORT and the config; it needs explicit credentials (measured, 2026.9.6).
const url = flag('--port') ? undefined : process.env.OPENCLAW_GATEWAY_URL;
if (url) {
  if (!process.env.OPENCLAW_GATEWAY_TOKEN) { process.stderr.write('gateway url override requires explicit credentials\\n'); process.exit(1); }
  base = url.replace(/^ws/, 'http');
}
const method = argv[2];
const res = await fetch(base + '/' + method, { method: 'POST', body: flag('--params') ?? '{}' }).catch((e) => undefined);
if (!res) { process.stderr.write('gateway closed: ' + base + '\\n'); process.exit(1); }
process.stdout.write(await res.text());
`;

interface FakeGateway {
  calls: string[];
  server: Server;
}

function fakeGateway(port: number): Promise<FakeGateway> {
  const g: FakeGateway = { calls: [], server: createServer() };
  g.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const method = (req.url ?? '/').slice(1);
      g.calls.push(`${method} ${body}`);
      const answer =
        method === 'channels.status'
          ? { channelAccounts: { telegram: [{ accountId: 'default', enabled: true, running: false, connected: false, lifecycle: 'stopped' }] } }
          : method === 'channels.start'
            ? { started: true, outcome: { status: 'started' } }
            : { stopped: true };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => g.server.listen(port, '127.0.0.1', () => resolve(g)));
}

describe('the gateway CLI reaches the supervised gateway', () => {
  const servers: Server[] = [];
  const saved = { url: process.env.OPENCLAW_GATEWAY_URL, token: process.env.OPENCLAW_GATEWAY_TOKEN };
  afterEach(async () => {
    for (const [k, v] of [['OPENCLAW_GATEWAY_URL', saved.url], ['OPENCLAW_GATEWAY_TOKEN', saved.token]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it("a channel restart goes to the pinned port even with a remote gateway's OPENCLAW_GATEWAY_URL in the daemon's environment", async () => {
    const [remotePort, ourPort] = await freePortRun(2).then((p) => [p, p + 1] as const);
    const remote = await fakeGateway(remotePort);
    const ours = await fakeGateway(ourPort);
    servers.push(remote.server, ours.server);
    const dir = tempDir('clawback-oc-url-');
    const cli = path.join(dir, 'openclaw-call.mjs');
    writeFileSync(cli, CALL_CLI);
    const configPath = path.join(dir, 'openclaw.json');
    writeFileSync(configPath, `{ gateway: { mode: "local", port: ${ourPort} } }\n`);
    // What a user who also drives a remote gateway from this shell exports (then runs `clawback run`).
    process.env.OPENCLAW_GATEWAY_URL = `ws://127.0.0.1:${remotePort}`;
    process.env.OPENCLAW_GATEWAY_TOKEN = 'remote-token';
    const service = serviceSchema.parse({
      name: 'openclaw-gateway',
      command: [process.execPath, cli, 'gateway', 'run', '--port', String(ourPort)],
      port: ourPort,
      env: { OPENCLAW_CONFIG_PATH: configPath, CLAWBACK_TEST_CHILD: '1' },
      openclaw: { cli: [process.execPath, cli] },
    });
    const r = await restartChannel(gatewayCli(service, realCommandRunner()), { kind: 'channel', channel: 'telegram' }, new AbortController().signal, { timeoutMs: 20_000 });
    expect(remote.calls).toEqual([]);
    expect(ours.calls.map((c) => c.split(' ')[0])).toEqual(['channels.status', 'channels.stop', 'channels.start']);
    expect(r.ok).toBe(true);
  });

  it('a channel restart goes to the pinned port, not to a sibling gateway on the port the config still names', async () => {
    const [siblingPort, ourPort] = await freePortRun(2).then((p) => [p, p + 1] as const);
    const sibling = await fakeGateway(siblingPort);
    const ours = await fakeGateway(ourPort);
    servers.push(sibling.server, ours.server);
    const dir = tempDir('clawback-oc-port-');
    const cli = path.join(dir, 'openclaw-call.mjs');
    writeFileSync(cli, CALL_CLI);
    // As `clawback init --preset openclaw --port <ours>` writes it for a config whose gateway.port is the sibling's.
    const configPath = path.join(dir, 'openclaw.json');
    writeFileSync(configPath, `{ gateway: { mode: "local", port: ${siblingPort} } }\n`);
    const service = serviceSchema.parse({
      name: 'openclaw-gateway',
      command: [process.execPath, cli, 'gateway', 'run', '--port', String(ourPort)],
      port: ourPort,
      env: { OPENCLAW_CONFIG_PATH: configPath, CLAWBACK_TEST_CHILD: '1' },
      openclaw: { cli: [process.execPath, cli] },
    });
    const r = await restartChannel(gatewayCli(service, realCommandRunner()), { kind: 'channel', channel: 'telegram' }, new AbortController().signal, { timeoutMs: 20_000 });
    expect(sibling.calls).toEqual([]);
    expect(ours.calls.map((c) => c.split(' ')[0])).toEqual(['channels.status', 'channels.stop', 'channels.start']);
    expect(r.ok).toBe(true);
  });
});
