// Tests of clustering need a real etcd: three members on 127.0.0.1 with free ports and temp data dirs.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

export interface EtcdMember {
  name: string;
  clientPort: number;
  /** Plain HTTP /health and /metrics, also when clients speak TLS. */
  metricsPort: number;
  peerPort: number;
  dataDir: string;
  child: MarkedChild | undefined;
}

export interface EtcdOptions {
  /** etcd's --election-timeout (ms); default 2000 (a loaded test machine must not flap). */
  electionTimeoutMs?: number;
  /** etcd's --heartbeat-interval (ms); default electionTimeout / 10. */
  heartbeatMs?: number;
  /** Client TLS: PEM files of the server certificate, its key, and the CA that signed client certificates (mutual TLS). */
  tls?: { cert: string; key: string; clientCa?: string };
  /** etcd's --auth-token-ttl (s): how long an unused auth token lives; default etcd's 300. */
  authTokenTtlSec?: number;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Client URLs of every member. */
  endpoints: string[];
  /** SIGKILL one member (it can be started again with the same data dir). */
  kill(i: number): Promise<void>;
  start(i: number): Promise<void>;
  /** start(i), then wait until every running member reports a healthy cluster. */
  startHealthy(i: number): Promise<void>;
  stop(): Promise<void>;
  /** Index of the raft leader (asked over the members' HTTP metrics port), or -1. */
  leader(): Promise<number>;
}

function args(m: EtcdMember, cluster: string, o: EtcdOptions): string[] {
  const scheme = o.tls ? 'https' : 'http';
  const et = o.electionTimeoutMs ?? 2000;
  return [
    '--name', m.name,
    '--data-dir', m.dataDir,
    '--listen-client-urls', `${scheme}://127.0.0.1:${m.clientPort}`,
    '--advertise-client-urls', `${scheme}://127.0.0.1:${m.clientPort}`,
    '--listen-metrics-urls', `http://127.0.0.1:${m.metricsPort}`,
    ...(o.tls ? ['--cert-file', o.tls.cert, '--key-file', o.tls.key, ...(o.tls.clientCa ? ['--client-cert-auth', '--trusted-ca-file', o.tls.clientCa] : [])] : []),
    '--listen-peer-urls', `http://127.0.0.1:${m.peerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peerPort}`,
    '--initial-cluster', cluster,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', `clawback-test-${process.pid}`,
    // A loaded test machine: elections must not flap on a slow heartbeat.
    '--heartbeat-interval', String(o.heartbeatMs ?? Math.round(et / 10)),
    '--election-timeout', String(et),
    ...(o.authTokenTtlSec !== undefined ? ['--auth-token-ttl', String(o.authTokenTtlSec)] : []),
    '--log-level', 'warn',
    '--logger', 'zap',
  ];
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Asks a member's HTTP /health (a JSON {"health":"true"} once it has a leader and quorum); answer: what it said. */
async function health(port: number): Promise<{ ok: boolean; answer: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    const text = await res.text();
    const body = JSON.parse(text) as { health?: string };
    return { ok: body.health === 'true', answer: `HTTP ${res.status} ${text.slice(0, 200)}` };
  } catch (err) {
    return { ok: false, answer: String((err as Error).cause ?? err) };
  }
}

async function healthy(port: number): Promise<boolean> {
  return (await health(port)).ok;
}

/** Whether the member is the raft leader (its /metrics gauge etcd_server_is_leader). */
async function isLeader(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3000) });
    return /^etcd_server_is_leader 1$/m.test(await res.text());
  } catch {
    return false;
  }
}

/**
 * One real etcd member for the whole test file: started before its tests (90 s bound), stopped after them. The value
 * stands for the cluster once started (its fields read through), so tests write `etcd.endpoints` as before.
 */
export function oneEtcdPerFile(): EtcdCluster {
  let started: EtcdCluster | undefined;
  beforeAll(async () => {
    started = await startEtcdCluster(1);
  }, 90_000);
  afterAll(async () => {
    await started?.stop();
  });
  return new Proxy({} as EtcdCluster, {
    get(_t, key) {
      if (!started) throw new Error('etcd is not started yet (use it inside a test)');
      const v = (started as unknown as Record<PropertyKey, unknown>)[key];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(started) : v;
    },
  });
}

/**
 * A real etcd cluster on fresh ports. A first start that never becomes healthy (seen once in a full CI run: a
 * one-member cluster whose /health never said true in 45 s, its stderr only the usual start-up warning) is said on
 * stderr with each member's last /health answer and exit, and tried once more on fresh ports and data dirs.
 */
export async function startEtcdCluster(size = 3, o: EtcdOptions = {}): Promise<EtcdCluster> {
  // 30 s + 45 s and the first cluster's stop stay inside the callers' 90 s beforeAll bound.
  try {
    return await startEtcdClusterOnce(size, o, 30_000);
  } catch (err) {
    process.stderr.write(`etcd test cluster: first start not healthy, trying once more on fresh ports: ${(err as Error).message}\n`);
    return startEtcdClusterOnce(size, o, 45_000);
  }
}

async function startEtcdClusterOnce(size: number, o: EtcdOptions, healthyWithinMs: number): Promise<EtcdCluster> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-etcd-'));
  const members: EtcdMember[] = [];
  for (let i = 0; i < size; i++) {
    members.push({ name: `e${i}`, clientPort: await freePort(), metricsPort: await freePort(), peerPort: await freePort(), dataDir: path.join(root, `e${i}`), child: undefined });
  }
  const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const launch = (m: EtcdMember): void => {
    m.child = spawnMarked(ETCD_BIN, args(m, initial, o), { env: { ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? undefined : process.arch } });
  };
  members.forEach(launch);
  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => `${o.tls ? 'https' : 'http'}://127.0.0.1:${m.clientPort}`),
    async kill(i) {
      const m = members[i]!;
      m.child?.kill();
      await m.child?.waitForExit(10_000).catch(() => undefined);
      m.child = undefined;
    },
    async start(i) {
      const m = members[i]!;
      launch(m);
      await waitFor(() => tcpOpen(m.clientPort), { timeoutMs: 30_000, intervalMs: 100, message: () => `etcd ${m.name} to listen` });
    },
    async startHealthy(i) {
      await cluster.start(i);
      await waitFor(async () => (await Promise.all(members.map((x) => (x.child ? healthy(x.metricsPort) : true)))).every(Boolean), { timeoutMs: 30_000, intervalMs: 100, message: () => `etcd to be healthy again after ${members[i]!.name} came back` });
    },
    async leader() {
      for (let i = 0; i < members.length; i++) if (members[i]!.child && (await isLeader(members[i]!.metricsPort))) return i;
      return -1;
    },
    async stop() {
      for (const m of members) m.child?.kill();
      await Promise.all(members.map((m) => m.child?.waitForExit(10_000).catch(() => undefined)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  const last = new Map<string, string>();
  try {
    await waitFor(
      async () =>
        (
          await Promise.all(
            members.map(async (m) => {
              const h = await health(m.metricsPort);
              last.set(m.name, h.answer);
              return h.ok;
            }),
          )
        ).every(Boolean),
      {
        timeoutMs: healthyWithinMs,
        intervalMs: 200,
        message: () =>
          `etcd cluster to be healthy: ${members
            .map((m) => `${m.name} (client ${m.clientPort}, metrics ${m.metricsPort}, peer ${m.peerPort}; exit ${JSON.stringify(m.child?.exitInfo() ?? 'none')}; last /health: ${last.get(m.name) ?? 'not asked'}): ${m.child?.stderr().slice(-500) ?? ''}`)
            .join('\n')}`,
      },
    );
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
