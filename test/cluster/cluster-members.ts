// Cluster tests run real daemons as separate processes (SIGSTOP and kill -9 need them so), each a member with its own service address.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEtcdCluster, type EtcdCluster, type EtcdOptions } from './etcd-cluster.js';
import { freePort } from '../helpers/ports.js';
import { killTree, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

export const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const SERVE = fileURLToPath(new URL('./serve-member.mjs', import.meta.url));

export interface Member {
  name: string;
  dir: string;
  stateDir: string;
  servicePort: number;
  daemon: MarkedChild;
  tag: string;
  api(): { port: number; token: string } | null;
}

export interface MemberOptions {
  endpoints: string[];
  prefix: string;
  leaseTtl?: string;
  /** Extra service settings (probes, configFile...). */
  service?: Record<string, unknown>;
  /** Extra environment of the service. */
  env?: Record<string, string>;
  /** A webhook URL for notifications. */
  webhook?: string;
}

export async function startMember(name: string, opts: MemberOptions): Promise<Member> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `clawback-member-${name}-`));
  const stateDir = path.join(dir, 'state');
  const servicePort = await freePort();
  const tag = `${opts.prefix}-${name}`;
  const config = {
    api: { host: '127.0.0.1', port: 0 },
    ...(opts.webhook ? { notify: { channels: [{ type: 'webhook', url: opts.webhook }] } } : {}),
    cluster: { member: name, endpoints: opts.endpoints, leaseTtl: opts.leaseTtl ?? '5s', prefix: opts.prefix, pollInterval: '100ms' },
    services: [
      {
        name: 'gw',
        placement: 'singleton',
        command: [process.execPath, SERVE],
        env: { PORT: String(servicePort), MEMBER: name, CLAWBACK_TEST_CHILD: '1', CLUSTER_TEST_TAG: tag, ...opts.env },
        stop: { grace: '1s' },
        restart: { backoff: { initial: '100ms', max: '1s' } },
        ...opts.service,
      },
    ],
  };
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, YAML.stringify(config));
  const daemon = spawnMarked(process.execPath, [MAIN, '--config', file, '--state-dir', stateDir, 'run', '--api-port', '0'], { env: { CLUSTER_TEST_TAG: `${tag}-daemon` } });
  const member: Member = {
    name,
    dir,
    stateDir,
    servicePort,
    daemon,
    tag,
    api: () => {
      try {
        const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { port: number } };
        return { port: info.api.port, token: readFileSync(path.join(stateDir, 'token'), 'utf8').trim() };
      } catch {
        return null;
      }
    },
  };
  await waitFor(() => existsSync(path.join(stateDir, 'daemon.json')), { timeoutMs: 40_000, intervalMs: 100, message: () => `daemon ${name} to start: ${daemon.stderr().slice(-2000)} ${daemon.stdout().slice(-2000)}` });
  return member;
}

/** Pids of live processes whose environment carries CLUSTER_TEST_TAG=tag (the service of a member, or its guard). */
export function taggedPids(tag: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!env.includes(`CLUSTER_TEST_TAG=${tag}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') out.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

/** kill -9 of the member's daemon, service and everything it started (the box dies). */
export function killMember(m: Member): void {
  for (const sig of ['SIGCONT', 'SIGKILL'] as const) killTree(m.daemon.ref, sig);
  for (const pid of [...taggedPids(m.tag), ...taggedPids(`${m.tag}-daemon`)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Kills every member (kill -9, as killMember) and removes its directory once its daemon is gone: hundreds were left in /tmp. */
export async function endMembers(members: readonly Member[]): Promise<void> {
  for (const m of members) killMember(m);
  await Promise.all(members.map((m) => m.daemon.waitForExit(10_000).catch(() => undefined)));
  for (const m of members) rmSync(m.dir, { recursive: true, force: true });
}

/** GET the member's service address: its answer ("member token"), or null when nothing answers. */
export async function ask(port: number, timeoutMs = 250): Promise<string | null> {
  return (await askWhy(port, timeoutMs)).answer;
}

/** As ask, with what came back instead when nothing answered as the service does (for failure messages). */
async function askWhy(port: number, timeoutMs = 250): Promise<{ answer: string | null; why: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = (await res.text()).trim();
    return res.status === 200 ? { answer: text, why: 'answered' } : { answer: null, why: `HTTP ${res.status} ${text.slice(0, 80)}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { answer: null, why: cause ?? (err as Error).name ?? String(err) };
  }
}

export async function api(m: Member, method: 'GET' | 'POST', p: string): Promise<{ status: number; body: any }> {
  const a = m.api();
  if (!a) throw new Error(`member ${m.name} has no API`);
  const res = await fetch(`http://127.0.0.1:${a.port}${p}`, { method, headers: { authorization: `Bearer ${a.token}` }, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json() };
}

/**
 * Polls every member's service address every 20 ms until stopped: records who answered when, and every
 * round in which two answered at once (must never happen).
 */
export function watchAnswers(members: Member[]): { overlaps: Array<{ at: number; who: string[] }>; log: Array<{ at: number; who: string[] }>; stop(): Promise<void> } {
  const overlaps: Array<{ at: number; who: string[] }> = [];
  const log: Array<{ at: number; who: string[] }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = Date.now();
      const answers = await Promise.all(members.map((m) => ask(m.servicePort, 200)));
      const who = members.filter((_, i) => answers[i] !== null).map((m) => m.name);
      log.push({ at: t0, who });
      if (who.length > 1) overlaps.push({ at: t0, who });
      const wait = 20 - (Date.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    overlaps,
    log,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** The one member answering now, waiting until exactly one does. */
export async function activeMember(members: Member[], timeoutMs = 40_000): Promise<Member> {
  // Said on a time-out: none answering (no lease: etcd slow, a start failing) and two answering are different stories;
  // so are a refused connection, a time-out and another answer on the service port (once seen with the service healthy).
  let last: Member[] = [];
  const why = new Map<string, string>();
  return waitFor(
    async () => {
      const answers = await Promise.all(members.map((m) => askWhy(m.servicePort)));
      members.forEach((m, i) => why.set(m.name, answers[i]!.why));
      last = members.filter((_, i) => answers[i]!.answer !== null);
      return last.length === 1 ? last[0] : undefined;
    },
    {
      timeoutMs,
      intervalMs: 50,
      message: () =>
        `exactly one member to answer (at the last look: ${last.map((m) => m.name).join(', ') || 'none'})\n${members
          .map((m) => `${m.name} (port ${m.servicePort}: ${why.get(m.name) ?? 'not asked'}):\n${journalLines(m)}\n${m.name} service log: ${serviceLogTail(m)}`)
          .join('\n')}`,
    },
  );
}

/** The last lines of the member's gw output (for failure messages). */
function serviceLogTail(m: Member): string {
  try {
    return readFileSync(path.join(m.stateDir, 'logs', 'gw.log'), 'utf8').slice(-600).trim() || '(empty)';
  } catch (err) {
    return `(none: ${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

/** The member's journal, one short line per event (for failure messages). */
export function journalLines(m: Member): string {
  try {
    return readFileSync(path.join(m.stateDir, 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const e = JSON.parse(l) as { time: number; type: string; message: string };
        return `${m.name} ${new Date(e.time).toISOString().slice(11, 23)} ${e.type}: ${e.message}`;
      })
      .join('\n');
  } catch {
    return `${m.name}: no journal`;
  }
}

/**
 * The file's real etcd cluster (started once) and the members its tests start: after each test every member is
 * killed, its directory removed, and every stopped etcd member started again, so a test that failed half-way never leaves etcd without quorum.
 */
export function etcdForMembers(size: number, o: EtcdOptions = {}): { etcd: EtcdCluster; members: Member[] } {
  const env = { etcd: undefined as unknown as EtcdCluster, members: [] as Member[] };
  beforeAll(async () => {
    env.etcd = await startEtcdCluster(size, o);
  }, 90_000);
  afterEach(async () => {
    await endMembers(env.members);
    env.members = [];
    for (let i = 0; i < env.etcd.members.length; i++) if (!env.etcd.members[i]!.child) await env.etcd.start(i);
  });
  afterAll(async () => {
    await env.etcd?.stop();
  });
  return env;
}
