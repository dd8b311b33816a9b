#!/usr/bin/env node
// Failover time of a singleton service across two members on a real 3-member etcd: kill -9 of the active member
// (daemon, service, guard) -> first HTTP 200 from the other member. Median and p95 over N trials (default 10).
// Usage: node bench/cluster-failover.mjs [--trials 10] [--ttl 5] ; needs dist/ (npm run build) and /usr/bin/etcd.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib/http.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const MAIN = path.resolve(here, '../dist/cli/main.js');
const SERVE = path.resolve(here, '../test/cluster/serve-member.mjs');
const ETCD = process.env.ETCD_BIN ?? '/usr/bin/etcd';
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TRIALS = opt('trials', 10);
const TTL_S = opt('ttl', 5);
const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-bench-cluster-'));
const groups = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);

function start(cmd, argv, env = {}) {
  const child = spawn(cmd, argv, { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
  child.on('error', () => undefined);
  groups.add(child.pid);
  return child;
}

function killGroup(pid) {
  for (const sig of ['SIGCONT', 'SIGKILL']) {
    try {
      process.kill(-pid, sig);
    } catch {
      // gone
    }
  }
}

/** Processes whose environment carries BENCH_TAG=tag (a member's service and guard). */
function tagged(tag) {
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, 'utf8').split('\0').includes(`BENCH_TAG=${tag}`)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

async function ask(port, timeoutMs = 250) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 200 ? (await res.text()).trim() : null;
  } catch {
    return null;
  }
}

async function until(fn, timeoutMs, what, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function etcdCluster() {
  const ms = [];
  for (let i = 0; i < 3; i++) ms.push({ name: `e${i}`, client: await freePort(), peer: await freePort() });
  const initial = ms.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  for (const m of ms) {
    start(ETCD, [
      '--name', m.name, '--data-dir', path.join(root, m.name),
      '--listen-client-urls', `http://127.0.0.1:${m.client}`, '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
      '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
      '--initial-cluster', initial, '--initial-cluster-state', 'new', '--heartbeat-interval', '200', '--election-timeout', '2000', '--log-level', 'warn', '--logger', 'zap',
    ]);
  }
  const endpoints = ms.map((m) => `http://127.0.0.1:${m.client}`);
  await until(async () => {
    for (const e of endpoints) {
      try {
        const r = await fetch(`${e}/health`, { signal: AbortSignal.timeout(1000) });
        if ((await r.json()).health !== 'true') return false;
      } catch {
        return false;
      }
    }
    return true;
  }, 60_000, 'etcd', 200);
  return endpoints;
}

async function member(name, endpoints, port) {
  const dir = path.join(root, name);
  const stateDir = path.join(dir, 'state');
  const file = path.join(root, `${name}.json`);
  if (!existsSync(file)) {
    writeFileSync(file, JSON.stringify({
      api: { port: 0 },
      cluster: { member: name, endpoints, leaseTtl: `${TTL_S}s`, pollInterval: '100ms', prefix: 'bench' },
      services: [{ name: 'gw', placement: 'singleton', command: [process.execPath, SERVE], env: { PORT: String(port), MEMBER: name, BENCH_TAG: name }, stop: { grace: '1s' } }],
    }));
  }
  rmSync(path.join(stateDir, 'daemon.json'), { force: true });
  const daemon = start(process.execPath, [MAIN, '--config', file, '--state-dir', stateDir, 'run', '--api-port', '0'], { BENCH_TAG: name });
  await until(() => existsSync(path.join(stateDir, 'daemon.json')), 60_000, `daemon ${name}`);
  return { name, port, daemon };
}

/** From the winner's journal: when it won the lease and when its instance was spawned, after the kill. */
function phases(name, killedAt) {
  try {
    const events = readFileSync(path.join(root, name, 'state', 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.time >= killedAt);
    const won = events.find((e) => e.type === 'cluster.leader');
    const started = events.find((e) => e.type === 'service.started');
    return won && started ? { wonMs: won.time - killedAt, spawnedMs: started.time - killedAt } : null;
  } catch {
    return null;
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  log(`etcd: 3 members; lease TTL ${TTL_S} s; ${TRIALS} trials; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const endpoints = await etcdCluster();
  const ports = { a: await freePort(), b: await freePort() };
  const members = { a: await member('a', endpoints, ports.a), b: await member('b', endpoints, ports.b) };
  const times = [];
  const loads = [];
  const phaseLog = [];
  for (let t = 0; t < TRIALS; t++) {
    const active = await until(async () => {
      const [ra, rb] = await Promise.all([ask(ports.a), ask(ports.b)]);
      return ra && !rb ? 'a' : rb && !ra ? 'b' : null;
    }, 60_000, 'exactly one active member');
    const other = active === 'a' ? 'b' : 'a';
    // Let the standby settle (its daemon polls and knows the holder) before the kill.
    await sleep(1500);
    loads.push(os.loadavg()[0]);
    const t0 = performance.now();
    const killedAt = Date.now();
    killGroup(members[active].daemon.pid);
    for (const pid of tagged(active)) killGroup(pid);
    for (const pid of tagged(active)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await until(() => ask(ports[other], 200), 60_000, `${other} to answer`, 10);
    const ms = performance.now() - t0;
    times.push(ms);
    const split = phases(other, killedAt);
    if (split) phaseLog.push(split);
    log(`trial ${t + 1}: kill -9 of ${active} -> first 200 from ${other}: ${ms.toFixed(0)} ms${split ? ` (lease won after ${split.wonMs} ms, spawned after ${split.spawnedMs} ms)` : ''}`);
    members[active] = await member(active, endpoints, ports[active]);
  }
  const sorted = [...times].sort((x, y) => x - y);
  const result = {
    trials: TRIALS,
    leaseTtlMs: TTL_S * 1000,
    medianMs: Math.round(percentile(sorted, 50)),
    p95Ms: Math.round(percentile(sorted, 95)),
    minMs: Math.round(sorted[0]),
    maxMs: Math.round(sorted[sorted.length - 1]),
    goalMs: `TTL + service start + < 1000`,
    medianLeaseWonMs: phaseLog.length ? Math.round(percentile(phaseLog.map((p) => p.wonMs).sort((x, y) => x - y), 50)) : null,
    medianSpawnedMs: phaseLog.length ? Math.round(percentile(phaseLog.map((p) => p.spawnedMs).sort((x, y) => x - y), 50)) : null,
    load1: loads.map((l) => Number(l.toFixed(1))),
    cores: os.cpus().length,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

const cleanup = () => {
  for (const pid of groups) killGroup(pid);
  for (const tag of ['a', 'b']) for (const pid of tagged(tag)) killGroup(pid);
  rmSync(root, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
main()
  .catch((err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(cleanup);
