// Many dashboard viewers on one daemon (issue 19): each polls /api/status every 2 s and follows /api/events, as the
// dashboard does. Prints daemon CPU and RSS, status latency, event latency and the daemon's probe lateness.
// node bench/scenarios/viewers.mjs SERVICES VIEWERS WINDOW_S [DIST_ROOT]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClawback } from '../lib/clawback-driver.mjs';
import { pollUntil, sleep } from '../lib/http.mjs';
import { readMemory, readStat } from '../lib/procfs.mjs';
import { median, percentile } from '../lib/stats.mjs';
import { latenessBetween, scaleServices } from './scale.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [count = 100, viewers = 8, windowS = 30] = process.argv.slice(2, 5).map(Number);
const root = process.argv[5] ?? path.join(here, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-viewers-'));
const children = [];
const cleanup = { env: () => ({ ...process.env, HOME: dir }), add: () => undefined };
const log = (m) => process.stderr.write(`${m}\n`);

const sink = spawn(process.execPath, [path.join(here, '..', 'fixtures', 'probe-sink.mjs'), String((windowS + 600) * 1000)], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(sink);
const sinkPort = await new Promise((r) => createInterface({ input: sink.stdout }).once('line', (l) => r(JSON.parse(l).port)));
const sup = createClawback({ root, dir, cleanup, log, services: scaleServices(count, sinkPort, 5000) });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const streams = [];
try {
  const { pid, apiPort } = await sup.start();
  const base = `http://127.0.0.1:${apiPort}`;
  await pollUntil(async () => ((await sup.status()).services.filter((s) => s.health === 'healthy').length === count ? true : undefined), { timeoutMs: 300_000, intervalMs: 1000 });
  const token = readFileSync(path.join(dir, 'state', 'token'), 'utf8').trim();
  const statusMs = [];
  const eventMs = [];
  let pending; // { sentAt, seen: Set }
  for (let v = 0; v < viewers; v++) {
    await new Promise((resolve) => {
      const req = http.get(`${base}/api/events`, (res) => {
        streams.push(req);
        let buf = '';
        res.on('data', (chunk) => {
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (pending && !pending.seen.has(v) && frame.includes('"service":"svc-0"')) {
              pending.seen.add(v);
              eventMs.push(performance.now() - pending.sentAt);
            }
          }
        });
        resolve();
      });
      req.on('error', () => undefined);
    });
  }
  const agents = Array.from({ length: viewers }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const getStatus = (a) =>
    new Promise((resolve) => {
      const t = performance.now();
      http.get(`${base}/api/status`, { agent: a }, (res) => {
        res.resume();
        res.on('end', () => {
          statusMs.push(performance.now() - t);
          resolve();
        });
      }).on('error', resolve);
    });
  let running = true;
  const pollers = agents.map(async (a, i) => {
    await sleep((2000 * i) / viewers);
    while (running) {
      const t = performance.now();
      await getStatus(a);
      await sleep(Math.max(0, 2000 - (performance.now() - t)));
    }
  });
  await sleep(5000);
  const sched = async () => JSON.parse(await new Promise((r) => http.get(`${base}/api/probe-schedule`, (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => r(b)); }))).lateness;
  const before = await sched();
  statusMs.length = 0;
  const s0 = readStat(pid);
  const t0 = performance.now();
  while (performance.now() - t0 < windowS * 1000) {
    pending = { sentAt: performance.now(), seen: new Set() };
    await new Promise((r) => http.request(`${base}/api/services/svc-0/restart`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }, (res) => { res.resume(); res.on('end', r); }).on('error', r).end());
    await sleep(5000);
  }
  const s1 = readStat(pid);
  const elapsed = (performance.now() - t0) / 1000;
  running = false;
  await Promise.all(pollers);
  const after = await sched();
  const mem = readMemory(pid);
  const late = latenessBetween(before, after);
  const out = {
    services: count,
    viewers,
    cpuPercent: +(((s1.cpuTicks - s0.cpuTicks) / 100 / elapsed) * 100).toFixed(1),
    rssMiB: +(mem.rssBytes / 1048576).toFixed(1),
    statusMs: { n: statusMs.length, p50: +median(statusMs).toFixed(1), p99: +percentile(statusMs, 99).toFixed(1) },
    eventMs: { n: eventMs.length, p50: eventMs.length ? +median(eventMs).toFixed(1) : null, p99: eventMs.length ? +percentile(eventMs, 99).toFixed(1) : null },
    probeLatenessMs: late,
    load: os.loadavg()[0].toFixed(1),
  };
  console.log(JSON.stringify(out));
} finally {
  for (const s of streams) s.destroy();
  agent.destroy();
  await sup.stop().catch(() => undefined);
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
