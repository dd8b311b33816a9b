// Seeded secrets must not leave the daemon on any surface: status JSON, SSE, /metrics, CLI output, validation errors.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import YAML from 'yaml';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Receiver } from '../notify/receiver.js';
import { readdirSync } from 'node:fs';

const OPENAI = 'sk-proj-Abc123def456ghi789jkl012mno345';
const GATEWAY = 'gwtok-7f3a9c1e5b2d8f4a6c0e';
const DISCORD = 'https://discord.com/api/webhooks/112233445566/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const ANTHROPIC = 'sk-ant-api03-ZyXwVuTsRqPoNmLkJiHg';
// A Telegram bot token in a variable whose name says nothing: only its shape gives it away.
const TELEGRAM = '110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'; // Telegram's documented example (34 characters after the colon)
const SECRETS = [OPENAI, GATEWAY, DISCORD, ANTHROPIC, 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', TELEGRAM, 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'];

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
let downReceiver: Receiver | undefined;
afterEach(async () => {
  await downReceiver?.close();
  downReceiver = undefined;
  await td?.stop();
  td = undefined;
  await receiver?.close();
  receiver = undefined;
});

/** Every file under a directory, concatenated (outbox, dead letters, live-message ids). */
function allFiles(dir: string): string {
  let text = '';
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) text += readFileSync(path.join(e.parentPath, e.name), 'utf8');
  }
  return text;
}

function expectClean(surface: string, text: string): void {
  for (const s of SECRETS) expect(text.includes(s), `${surface} carries ${s}`).toBe(false);
}

/** Reads the SSE stream for `ms` and returns what arrived. */
function readSse(port: number, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = http.get({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
      res.on('data', (d: Buffer) => (text += d.toString()));
    });
    req.on('error', reject);
    setTimeout(() => {
      req.destroy();
      resolve(text);
    }, ms);
  });
}

describe('redaction at the boundary', () => {
  it('a log probe match carrying four secrets is redacted in status JSON, SSE, /metrics, dashboard routes, every CLI view, alerts, dead letters, journal and daemon log', async () => {
    const line = `ERROR upstream failed key=${OPENAI} gw ${GATEWAY} hook ${DISCORD} anthropic ${ANTHROPIC} bot ${TELEGRAM}`;
    const script = `setInterval(() => console.log(${JSON.stringify(line)}), 150); setInterval(() => {}, 1000);`;
    receiver = await Receiver.start();
    const r = receiver;
    // A channel that never answers 2xx: its alerts become dead letters on disk, which must be clean too.
    const down = await Receiver.start();
    downReceiver = down;
    down.script(100_000, 503);
    td = await startTestDaemon({
      notify: {
        channels: [
          { type: 'webhook', url: `${r.base}/webhook/sec`, mode: 'every-event' },
          { type: 'discord', url: `${r.base}/discord/1/discord-token-0123456789abcdef` },
          { type: 'webhook', name: 'down', url: `${down.base}/webhook/down`, mode: 'every-event' },
        ],
        maxAttempts: 1,
        backoff: { initial: 50, max: 300 },
      },
      services: [
        {
          name: 'leaky',
          command: [NODE, '-e', script],
          env: { OPENAI_API_KEY: OPENAI, OPENCLAW_GATEWAY_TOKEN: GATEWAY, DISCORD_WEBHOOK: DISCORD, ANTHROPIC_API_KEY: ANTHROPIC, TG: TELEGRAM },
          probes: [{ kind: 'log', pattern: 'ERROR', interval: '200ms' }],
        },
      ],
    });
    const t = td;
    const port = t.daemon.api!.port;
    const base = `http://127.0.0.1:${port}`;
    const sse = readSse(port, 1500);
    await waitFor(() => t.events.some((e) => e.type === 'probe.failed' || (e.message ?? '').includes('ERROR')) || JSON.stringify(t.daemon.status()).includes('ERROR'), { timeoutMs: 15_000 });
    // The raw status (inside the daemon) does carry the line: the boundary is what must clean it.
    const statusText = await (await fetch(`${base}/api/status`)).text();
    expect(statusText).toContain('ERROR upstream failed');
    expectClean('/api/status', statusText);
    expectClean('SSE /api/events', await sse);
    expectClean('/metrics', await (await fetch(`${base}/metrics`)).text());
    const cli = await runCli(['status', '--json', '--state-dir', t.stateDir]);
    expect(cli.stdout).toContain('leaky');
    expectClean('clawback status --json', cli.stdout + cli.stderr);
    expectClean('journal', readFileSync(path.join(t.stateDir, 'journal.jsonl'), 'utf8'));
    await r.waitFor(() => r.accepted.some((m) => m.raw.includes('ERROR upstream failed')), 10_000, 'the probe alert');
    expectClean('alerts', r.accepted.map((m) => m.raw).join('\n'));
    // An incident (kill -9), so that the incident views have something to show.
    const rt = t.daemon.runtimes.get('leaky')!;
    await waitFor(() => rt.status().pid !== undefined && rt.status().state === 'running', { timeoutMs: 10_000 });
    process.kill(rt.status().pid!, 'SIGKILL');
    await waitFor(() => t.events.some((e) => e.type === 'incident.opened'), { timeoutMs: 10_000 });
    // Every read-only route the dashboard uses, and the dashboard's own files.
    for (const route of ['/api/incidents', '/api/events/recent', '/api/probe-schedule', '/', '/app.js', '/app.css']) {
      const res = await fetch(`${base}${route}`);
      expect(res.status, route).toBe(200);
      expectClean(route, await res.text());
    }
    // The CLI's other views: the status table, the incident list, one incident's timeline, the digest.
    const shown = await runCli(['status', '--state-dir', t.stateDir]);
    expect(shown.stdout).toContain('leaky');
    expectClean('clawback status', shown.stdout + shown.stderr);
    const incidents = t.journal().filter((e) => e.incidentId).map((e) => e.incidentId!);
    expect(incidents.length).toBeGreaterThan(0);
    for (const args of [['incidents'], ['incidents', '--json'], ['incident', incidents[0]!], ['digest']]) {
      const out = await runCli([...args, '--state-dir', t.stateDir]);
      expect(out.code, `${args.join(' ')}: ${out.stderr}`).toBe(0);
      expectClean(`clawback ${args.join(' ')}`, out.stdout + out.stderr);
    }
    // The dead letters on disk (the down channel refused everything).
    await waitFor(async () => ((await (await fetch(`${base}/api/status`)).json()) as { notify: { deadLetters: Record<string, number> } }).notify.deadLetters['down']! > 0, { timeoutMs: 10_000 });
    expect(readdirSync(path.join(t.stateDir, 'outbox', 'down'), { recursive: true }).some((f) => String(f).startsWith('dead'))).toBe(true);
    expectClean('outbox and dead letters', allFiles(path.join(t.stateDir, 'outbox')));
    await t.stop();
    td = undefined;
    expectClean('daemon.log', readFileSync(path.join(t.stateDir, 'logs', 'daemon.log'), 'utf8'));
  }, 40_000);
});

describe("secrets of the service's own config file", () => {
  it('the gateway token in the config file, printed in a plain sentence, is redacted in alerts, journal, status, daemon log and `clawback logs` run from anywhere', async () => {
    // Before: only the service's env was known to the redactor; the token in openclaw.json (gateway.auth.token)
    // reached Discord, the journal, /api/status and `clawback logs` whenever the gateway printed it.
    const token = 'ocgw_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    const dir = tempDir();
    const gwConfig = path.join(dir, 'gateway.json');
    writeFileSync(gwConfig, JSON.stringify({ gateway: { port: 1, auth: { mode: 'token', token } }, agents: { tokenizer: 'cl100k_base' } }));
    const script = `const c = JSON.parse(require('fs').readFileSync(${JSON.stringify(gwConfig)}, 'utf8'));
console.log('[gateway] tokenizer ' + c.agents.tokenizer + ', auth token ' + c.gateway.auth.token);
setTimeout(() => { console.error('fatal: handshake failed for token ' + c.gateway.auth.token); process.exit(1); }, 300);`;
    receiver = await Receiver.start();
    const r = receiver;
    td = await startTestDaemon(
      {
        notify: { channels: [{ type: 'webhook', url: `${r.base}/webhook/gw`, mode: 'every-event' }], backoff: { initial: 50, max: 300 } },
        services: [{ name: 'gw', command: [NODE, '-e', script], configFile: { path: gwConfig, format: 'json' }, restart: { intensity: { maxRestarts: 1, window: '1m' } } }],
      },
      { dir },
    );
    const t = td;
    await r.waitFor(() => r.accepted.some((m) => m.raw.includes('handshake failed')), 15_000, 'the escalation with the last lines');
    const alerts = r.accepted.map((m) => m.raw).join('\n');
    expect(alerts).toContain('handshake failed for token [REDACTED]');
    // A setting that only mentions "token" in its name is not taken for a secret.
    const base = `http://127.0.0.1:${t.daemon.api!.port}`;
    const statusText = await (await fetch(`${base}/api/status`)).text();
    expect(statusText).toContain('tokenizer cl100k_base');
    const surfaces: Array<[string, string]> = [
      ['alerts', alerts],
      ['/api/status', statusText],
      ['/api/incidents', await (await fetch(`${base}/api/incidents`)).text()],
      ['journal', readFileSync(path.join(t.stateDir, 'journal.jsonl'), 'utf8')],
    ];
    // `clawback logs` from a directory without a config: the running daemon's config names the secrets.
    const elsewhere = tempDir();
    const logs = await runCli(['logs', 'gw', '--state-dir', t.stateDir], { cwd: elsewhere });
    expect(logs.stdout).toContain('auth token [REDACTED]');
    surfaces.push(['clawback logs', logs.stdout + logs.stderr]);
    await t.stop();
    td = undefined;
    surfaces.push(['daemon.log', readFileSync(path.join(t.stateDir, 'logs', 'daemon.log'), 'utf8')]);
    for (const [surface, text] of surfaces) expect(text.includes(token), `${surface} carries the gateway token`).toBe(false);
  }, 40_000);
});

describe('clawback validate never prints a secret', () => {
  it('a malformed bot token and an invalid webhook URL are named without their values', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(
      file,
      YAML.stringify({
        notify: {
          channels: [
            { type: 'telegram', botToken: '123:ABC', chatId: 1 },
            { type: 'discord', url: 'http://discord.com/api/webhooks/112233445566/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' },
            { type: 'webhook', url: 'not a url sk-proj-Abc123def456ghi789jkl012mno345' },
          ],
        },
        services: [{ name: 'web', command: ['node', 'server.js'], env: { API_KEY: 42 } }],
      }),
    );
    const r = await runCli(['validate', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('notify.channels[0].botToken');
    expect(r.stderr).toContain('notify.channels[1].url');
    expect(r.stderr).toContain('http://discord.com/…');
    expect(r.stderr).not.toContain('123:ABC');
    expect(r.stderr).not.toContain('AbCdEfGhIjKlMnOpQrStUvWxYz0123456789');
    expect(r.stderr).not.toContain('sk-proj-');
    expect(r.stderr).toContain('services[0].env.API_KEY');
  });
});
