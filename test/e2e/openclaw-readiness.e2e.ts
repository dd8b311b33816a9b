// End to end against the real OpenClaw gateway: a Telegram channel that fails deep readiness offline is recovered at the smallest scope; a crash brings its stability bundle into the incident.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { NODE24, OPENCLAW_AVAILABLE, describePids, e2eClawbackConfig, gatewayHome, healthz, killLeftovers, pidsWithHome, removeCaseDir, timingTable, type GatewayHome, type Timing } from './openclaw-harness.js';

const SERVICE = 'openclaw-gateway';
const START_BUDGET = 300_000;
/** This file's bounds: a gateway start is 30-130 s here and each CLI call 5-45 s on 2 shared cores at load 10-18. */
const CASE_BUDGET = 600_000;
const CHANNEL_BOUND_MS = 20_000;
const BOT_TOKEN = '123456:AAE2eFakeTokenForTheStandIn';
const timings: Timing[] = [];

/**
 * A stand-in for the Telegram Bot API on 127.0.0.1 (the channel's `apiRoot`): it answers like Telegram while
 * `mode` is "work", and with 401 Unauthorized to getUpdates while "unauth" (the gateway then marks the account
 * blocked, skips its own auto-restart as a terminal disconnect, and /readyz lists "telegram").
 */
class TelegramStandIn {
  mode: 'work' | 'unauth' = 'work';
  readonly calls: Array<{ at: number; method: string; mode: string }> = [];
  private server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const method = /\/bot[^/]+\/(\w+)/.exec(req.url ?? '')?.[1] ?? '';
      this.calls.push({ at: Date.now(), method, mode: this.mode });
      res.setHeader('content-type', 'application/json');
      if (this.mode === 'unauth' && method === 'getUpdates') {
        res.statusCode = 401;
        res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
        return;
      }
      if (method === 'getMe') {
        res.end(JSON.stringify({ ok: true, result: { id: 42, is_bot: true, first_name: 'E2E', username: 'e2e_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } }));
        return;
      }
      if (method === 'getUpdates') {
        // A long poll with nothing new: a quiet chat, which is not a dead channel.
        const t = setTimeout(() => res.end(JSON.stringify({ ok: true, result: [] })), 2000);
        res.on('close', () => clearTimeout(t));
        return;
      }
      res.end(JSON.stringify({ ok: true, result: true }));
    });
  });
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/**
 * One unhandled rejection inside the running gateway, through Node's inspector (SIGUSR1 opens it on 127.0.0.1:9229):
 * the gateway's own fatal path then writes its stability bundle and exits 1. Run by the Node 24 binary, which has
 * a WebSocket client built in.
 */
const INJECT = `
const [pid] = process.argv.slice(1);
process.kill(Number(pid), 'SIGUSR1');
let list;
for (let i = 0; i < 100 && !list; i++) {
  await new Promise((r) => setTimeout(r, 200));
  list = await fetch('http://127.0.0.1:9229/json/list').then((r) => r.json()).catch(() => undefined);
}
if (!list?.[0]) { console.error('no inspector'); process.exit(2); }
const ws = new WebSocket(list[0].webSocketDebuggerUrl);
await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
const done = new Promise((r) => { ws.onmessage = (m) => { if (JSON.parse(m.data).id === 1) r(); }; });
ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: "setTimeout(() => Promise.reject(new Error('clawback e2e: injected fault in the gateway')), 50); 'armed'" } }));
await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
ws.close();
console.log('armed');
process.exit(0);
`;

const rt = (t: TestDaemon) => t.daemon.runtimes.get(SERVICE)!;
const since = (t: TestDaemon, n: number, type: string): ClawbackEvent[] => t.events.slice(n).filter((e) => e.type === type);

afterAll(() => {
  if (timings.length > 0) process.stdout.write(`\nOpenClaw readiness e2e timings:\n${timingTable(timings)}\n`);
});

describe.skipIf(!OPENCLAW_AVAILABLE)('OpenClaw readiness and evidence under Clawback', () => {
  let td: TestDaemon | undefined;
  let g: GatewayHome;
  let port: number;
  const tg = new TelegramStandIn();

  beforeAll(async () => {
    port = await freePort();
    const apiRoot = await tg.listen();
    g = gatewayHome(port);
    const cfg = {
      gateway: { mode: 'local', bind: 'loopback', port },
      logging: { file: path.join(g.home, 'openclaw-log.jsonl') },
      update: { checkOnStart: false },
      channels: { telegram: { enabled: true, botToken: BOT_TOKEN, apiRoot } },
    };
    writeFileSync(g.configPath, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
    const config = e2eClawbackConfig(g, port);
    const svc = config.services[0]!;
    // The preset's numbers, with the channel's bound and the settle time made short for a test.
    for (const p of svc.probes as Array<Record<string, unknown>>) {
      // Liveness as patient as the preset's (a loaded box stalls the gateway's event loop for seconds during start-up).
      if (p.name === 'liveness') Object.assign(p, { interval: '5s', timeout: '10s', failureThreshold: 6 });
      if (p.name === 'readiness') Object.assign(p, { interval: '3s', failureThreshold: 2, channelBound: `${CHANNEL_BOUND_MS / 1000}s` });
    }
    svc.openclaw = { ...(svc.openclaw as Record<string, unknown>), channelSettle: '20s', evidenceTimeout: '150s' };
    // e2eClawbackConfig already hides the test runner (VITEST, NODE_ENV) from the gateway.
    const t0 = Date.now();
    td = await startTestDaemon(config, { dir: g.dir });
    const t = td;
    await waitFor(async () => (await healthz(port)) && rt(t).status().health === 'healthy', { timeoutMs: START_BUDGET, intervalMs: 500, message: 'first healthy gateway (liveness and readiness)' });
    await waitFor(() => tg.calls.some((c) => c.method === 'getUpdates'), { timeoutMs: 240_000, intervalMs: 500, message: () => `the Telegram channel polls the stand-in (calls so far: ${tg.calls.map((c) => c.method).join(', ') || 'none'})` });
    timings.push({ case: 'start', what: 'spawn -> healthy and ready, Telegram polling', ms: Date.now() - t0 });
  }, CASE_BUDGET);

  afterAll(async () => {
    await td?.stop();
    if (!td && g) process.stdout.write(`gateway output:\n${readFileSync(path.join(g.dir, 'state', 'logs', `${SERVICE}.log`), 'utf8').slice(-3000)}\n`);
    tg.close();
    // What was left, with its parent, group and argv, before it is killed (a pid alone says nothing afterwards).
    const seen = g ? describePids(pidsWithHome(g.home)) : [];
    const left = g ? await killLeftovers(g.home) : [];
    removeCaseDir(g);
    expect(left, `processes left after the daemon stopped:\n${seen.join('\n')}`).toEqual([]);
  });

  it("a Telegram account that fails readiness: reported, the gateway's own recovery waited for, then that channel alone restarted; the gateway process stays", async () => {
    const t = td!;
    const pid = rt(t).status().pid!;
    const n = t.events.length;
    const t0 = Date.now();
    tg.mode = 'unauth';
    const failing = await waitFor(() => since(t, n, 'readiness.failing').find((e) => e.details?.channel === 'telegram'), { timeoutMs: 60_000, intervalMs: 250, message: 'readiness.failing for telegram' });
    timings.push({ case: 'channel', what: '401 -> readiness.failing (telegram)', ms: Date.now() - t0 });
    expect(failing.message).toMatch(/channel telegram fails readiness; the gateway's own recovery has/);
    const action = await waitFor(() => since(t, n, 'incident.action').find((e) => e.details?.action === 'scope-restart'), { timeoutMs: 90_000, intervalMs: 250, message: 'the channel restart' });
    // The stand-in works again; only a restart of the channel (the gateway skipped its own: terminal disconnect) picks that up.
    tg.mode = 'work';
    const firstSeen = failing.details!.since as number;
    expect(action.time - firstSeen).toBeGreaterThanOrEqual(CHANNEL_BOUND_MS);
    timings.push({ case: 'channel', what: 'readiness.failing -> channel restart ordered', ms: action.time - failing.time });
    const done = await waitFor(() => since(t, n, 'service.scope-restarted')[0], { timeoutMs: 360_000, intervalMs: 500, message: 'service.scope-restarted' });
    timings.push({ case: 'channel', what: 'channel restart ordered -> done (3 CLI calls)', ms: done.time - action.time });
    expect(done.details).toMatchObject({ channel: 'telegram', accounts: ['default'], ok: true });
    expect(done.message).toMatch(/channel telegram \(account default\) restarted through the gateway: default: stopped and started \(started yes, handed-off\)/);
    const resolved = await waitFor(() => since(t, n, 'incident.resolved')[0], { timeoutMs: 90_000, intervalMs: 500, message: 'incident resolved' });
    timings.push({ case: 'channel', what: '401 -> incident resolved (same gateway)', ms: resolved.time - t0 });
    expect(resolved.incidentId).toBe(action.incidentId);
    expect(rt(t).status().pid).toBe(pid);
    expect(since(t, n, 'service.restarting')).toEqual([]);
    expect(since(t, n, 'service.exited')).toEqual([]);
    expect(tg.calls.some((c) => c.at > action.time && c.method === 'getUpdates' && c.mode === 'work')).toBe(true);
    expect(JSON.stringify(t.journal())).not.toContain(BOT_TOKEN);
  }, CASE_BUDGET);

  it("a crash: the incident carries the summary of the gateway's own stability bundle", async () => {
    const t = td!;
    const pid = rt(t).status().pid!;
    const n = t.events.length;
    const t0 = Date.now();
    const inject = spawnMarked(NODE24, ['--input-type=module', '-e', INJECT, String(pid)]);
    const injected = await inject.exited;
    expect(injected.code, 'the fault was armed through the inspector').toBe(0);
    const exit = await waitFor(() => since(t, n, 'service.exited').find((e) => e.details?.expected === false), { timeoutMs: 30_000, intervalMs: 250, message: 'the gateway exits' });
    expect(exit.details).toMatchObject({ code: 1 });
    const ev = await waitFor(() => since(t, n, 'openclaw.evidence')[0], { timeoutMs: 200_000, intervalMs: 500, message: 'openclaw.evidence' });
    timings.push({ case: 'crash', what: 'exit -> stability bundle in the incident', ms: ev.time - exit.time });
    expect(ev.incidentId).toBeDefined();
    expect(ev.incidentId).toBe(exit.incidentId);
    expect(ev.details).toMatchObject({ kind: 'stability', ok: true });
    expect(ev.message).toMatch(/stability bundle written .*reason unhandled_rejection; pid \d+.*error Error: clawback e2e: injected fault in the gateway/);
    expect(String(ev.details!.summary)).toContain(`pid ${pid}`);
    await waitFor(async () => rt(t).status().pid !== pid && rt(t).status().health === 'healthy' && (await healthz(port)), { timeoutMs: START_BUDGET, intervalMs: 500, message: 'healthy again' });
    timings.push({ case: 'crash', what: 'exit -> healthy again', ms: Date.now() - t0 });
  }, CASE_BUDGET);
});
