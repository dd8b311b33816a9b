// The daemon's own faults, for real: its state directory on a small tmpfs that is filled up while it supervises.
// A full disk degrades it loudly (status, metrics, an alert) but never stops supervision or a clean shutdown;
// a bug (uncaught exception) exits 70 with the services left running for the next daemon to adopt.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { httpGet, isAlive, killTree, pidRef, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { mountSmallDisk, staleTempFilesUnder, tempFilesUnder, type SmallDisk } from '../helpers/tmpfs.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

interface DaemonHealth {
  health: 'ok' | 'degraded';
  degraded: Array<{ reason: string; lastError: string; count: number; since: number }>;
}
interface Status {
  daemon: DaemonHealth & { pid: number };
  services: Array<{ name: string; pid: number | null; state: string; restarts: number }>;
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) {
    try {
      cleanup.pop()!();
    } catch {
      // keep cleaning
    }
  }
});

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('2m');
});
afterAll(() => disk?.unmount());

/** A local stand-in for a webhook endpoint: collects every body it receives. */
async function webhookReceiver(): Promise<{ url: string; bodies: Array<{ type: string; message: string }>; close(): void }> {
  const bodies: Array<{ type: string; message: string }> = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      try {
        bodies.push(JSON.parse(text) as { type: string; message: string });
      } catch {
        // not ours
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => server.close() };
}

function writeConfig(service: Record<string, unknown>, extra: Record<string, unknown> = {}): { config: string; stateDir: string } {
  const dir = tempDir('clawback-fulldisk-cfg-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = path.join(disk.dir, `state-${path.basename(dir)}`);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  cleanup.push(() => {
    disk.free();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, ...extra, services: [service] })));
  return { config, stateDir };
}

function startDaemon(config: string, stateDir: string): MarkedChild {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
  cleanup.push(() => d.kill());
  return d;
}

async function apiBase(stateDir: string, daemon: MarkedChild): Promise<string> {
  return waitFor(
    () => {
      if (daemon.exitInfo()) throw new Error(`daemon exited: ${daemon.stderr()}`);
      const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number; api: { host: string; port: number } };
      return info.pid === daemon.pid ? `http://${info.api.host}:${info.api.port}` : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, message: 'daemon.json of the new daemon' },
  );
}

async function status(base: string): Promise<Status> {
  const r = await httpGet(`${base}/api/status`, 5000);
  if (r.status !== 200) throw new Error(`status ${r.status}: ${r.body}`);
  return JSON.parse(r.body) as Status;
}

/** Kills pid's process at cleanup if it still runs then: its identity is taken now, while the test knows it is the service. */
function killLater(pid: number): void {
  const ref = pidRef(pid);
  cleanup.push(() => killTree(ref));
}

describe('the daemon on a full disk (real tmpfs)', () => {
  it('keeps restarting a crashing service, says degraded (status, metrics, alert), and recovers when space returns', async () => {
    const hook = await webhookReceiver();
    cleanup.push(() => hook.close());
    const { config, stateDir } = writeConfig(
      {
        name: 'crashy',
        command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '1200'],
        restart: { backoff: { initial: '100ms', max: '400ms' }, intensity: { maxRestarts: 1000, window: '60s' } },
      },
      { notify: { channels: [{ type: 'webhook', url: hook.url }] } },
    );
    const daemon = startDaemon(config, stateDir);
    const base = await apiBase(stateDir, daemon);
    const before = await waitFor(async () => {
      const s = await status(base);
      return s.services[0]!.restarts >= 1 && s.services[0]!.pid ? s : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200, message: 'a first restart of the crashing service' });
    expect(before.daemon.health).toBe('ok');

    disk.fill(0);
    const fullAt = Date.now();
    // Degraded with the reason, while the service keeps being restarted and the daemon stays up.
    const degraded = await waitFor(async () => {
      if (daemon.exitInfo()) throw new Error(`daemon died on the full disk: ${JSON.stringify(daemon.exitInfo())}\n${daemon.stderr().slice(-3000)}`);
      const s = await status(base);
      return s.daemon.degraded.some((d) => d.reason === 'state-write') ? s : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200, message: 'status to say degraded: state-write' });
    expect(degraded.daemon.health).toBe('degraded');
    const stateFault = degraded.daemon.degraded.find((d) => d.reason === 'state-write')!;
    expect(stateFault.lastError).toMatch(/ENOSPC/);
    const restartsAtFull = degraded.services[0]!.restarts;
    const pids = new Set<number>();
    // The daemon frees a little space itself (a delivered alert leaves the spool), so a later small write may land
    // and rightly clear the fault: keep the disk full, as a disk filled by something else would stay.
    const supervised = await waitFor(async () => {
      if (daemon.exitInfo()) throw new Error(`daemon died on the full disk: ${daemon.stderr().slice(-3000)}`);
      disk.fill(0);
      const s = await status(base);
      if (s.services[0]!.pid) pids.add(s.services[0]!.pid);
      return s.services[0]!.restarts >= restartsAtFull + 3 && pids.size >= 2 && s.daemon.health === 'degraded' ? s : undefined;
    }, { timeoutMs: 40_000, intervalMs: 150, message: 'three more restarts of the service with the disk full' });
    expect(supervised.daemon.health).toBe('degraded');
    const restartsWhileFull = supervised.services[0]!.restarts - before.services[0]!.restarts;
    process.stdout.write(`full disk: ${restartsWhileFull} restarts in ${Math.round((Date.now() - fullAt) / 1000)} s, daemon alive\n`);

    // Temp files do not pile up: none outlives its write (one in flight at an instant is fine).
    for (let i = 0; i < 3; i++) {
      expect(staleTempFilesUnder(stateDir)).toEqual([]);
      await new Promise((r) => setTimeout(r, 1000));
    }

    const metrics = await waitFor(async () => {
      disk.fill(0);
      const m = await httpGet(`${base}/metrics`, 5000);
      return m.body.includes('clawback_daemon_degraded{reason="state-write"} 1') ? m : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200, message: 'the degraded gauge at 1 with the disk full' });
    expect(metrics.body).toContain('clawback_daemon_degraded{reason="state-write"} 1');

    // The alert reached a real sink over loopback.
    await waitFor(() => hook.bodies.some((b) => b.type === 'daemon.degraded' && /ENOSPC/.test(b.message)), {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: () => `a daemon.degraded webhook (got ${hook.bodies.map((b) => b.type).join(', ')})`,
    });

    disk.free();
    const healed = await waitFor(async () => {
      const s = await status(base);
      return s.daemon.health === 'ok' ? s : undefined;
    }, { timeoutMs: 45_000, intervalMs: 250, message: 'degraded to clear once space is back' });
    expect(healed.daemon.degraded).toEqual([]);
    const saved = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { restartsTotal: number } }> };
    expect(saved.services.crashy!.record.restartsTotal).toBeGreaterThanOrEqual(restartsAtFull + 3);
    const recovered = await httpGet(`${base}/metrics`, 5000);
    expect(recovered.body).toContain('clawback_daemon_degraded{reason="state-write"} 0');
    await waitFor(() => hook.bodies.some((b) => b.type === 'daemon.recovered'), { timeoutMs: 30_000, intervalMs: 200, message: 'a daemon.recovered webhook' });

    process.kill(daemon.pid, 'SIGTERM');
    const exit = await daemon.waitForExit(30_000);
    expect(exit, `daemon stderr:\n${daemon.stderr().slice(-3000)}`).toEqual({ code: 0, signal: null });
    // The journal kept the story: the degraded event was buffered in memory and written once the disk had room.
    const journal = readJournalFile(path.join(stateDir, 'journal.jsonl'));
    const types = journal.map((e) => e.type);
    expect(types).toContain('daemon.degraded');
    expect(types).toContain('daemon.recovered');
    expect(tempFilesUnder(stateDir)).toEqual([]);
    await waitFor(() => [...pids].every((p) => !isAlive(p)), { timeoutMs: 10_000, intervalMs: 100, message: () => `no service instance left running (${[...pids].filter(isAlive).join(', ')})` });
  });

  it('SIGTERM with the disk full stops the service and exits 0; no temp files are left', async () => {
    const { config, stateDir } = writeConfig({ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] });
    const daemon = startDaemon(config, stateDir);
    const base = await apiBase(stateDir, daemon);
    const pid = await waitFor(async () => (await status(base)).services[0]!.pid ?? undefined, { timeoutMs: 30_000, intervalMs: 200, message: 'the service pid' });
    killLater(pid);

    disk.fill(0);
    // The heartbeat (every 2 s) is the first write to fail. The disk is kept full while waiting (a page freed by a
    // rename in flight at the fill could otherwise carry the heartbeat, beat after beat).
    await waitFor(async () => {
      disk.fill(0);
      return (await status(base)).daemon.degraded.some((d) => d.reason === 'heartbeat-write');
    }, {
      timeoutMs: 20_000,
      intervalMs: 200,
      message: 'status to say degraded: heartbeat-write',
    });
    await new Promise((r) => setTimeout(r, 4500)); // two more heartbeats fail: their temp files must not stay
    expect(staleTempFilesUnder(stateDir)).toEqual([]);
    // The guardian must still see a live daemon (it kills a daemon whose heartbeat is 15 s old).
    const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number; heartbeatAt: number };
    expect(info.pid).toBe(daemon.pid);
    expect(Date.now() - info.heartbeatAt).toBeLessThan(5000);

    process.kill(daemon.pid, 'SIGTERM');
    const exit = await daemon.waitForExit(30_000);
    expect(exit, `daemon stderr:\n${daemon.stderr().slice(-3000)}`).toEqual({ code: 0, signal: null });
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 100, message: 'the service to be stopped' });
    expect(tempFilesUnder(stateDir)).toEqual([]);
    // The shutdown said what it could not do (on stderr, which the service manager keeps).
    expect(daemon.stderr()).toMatch(/ENOSPC/);
  });
});

describe('a daemon (re)started on a disk that is already full', () => {
  it('adopts the running service, says degraded, keeps daemon.json fresh for the guardian, and stops cleanly', async () => {
    const { config, stateDir } = writeConfig({ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] });
    const first = startDaemon(config, stateDir);
    const base1 = await apiBase(stateDir, first);
    const pid = await waitFor(async () => {
      const s = await status(base1);
      return s.services[0]!.pid && readFileSync(path.join(stateDir, 'logs', 'steady.log'), 'utf8').includes('ready') ? s.services[0]!.pid : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200, message: 'the service to run and say ready' });
    killLater(pid);
    disk.fill(0);
    first.kill(); // the daemon dies (SIGKILL) while the disk is full; its service keeps running
    await first.waitForExit(10_000);
    expect(isAlive(pid)).toBe(true);

    const second = startDaemon(config, stateDir);
    const base2 = await apiBase(stateDir, second); // daemon.json names the new pid although the disk is full
    const s = await waitFor(async () => {
      const st = await status(base2);
      return st.services[0]!.pid === pid && st.daemon.health === 'degraded' ? st : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200, message: 'the new daemon to adopt the service and say degraded' });
    expect(s.services[0]!.state).toBe('running');
    expect(s.daemon.degraded.map((d) => d.reason)).toEqual(expect.arrayContaining(['heartbeat-write']));
    await new Promise((r) => setTimeout(r, 2500));
    const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number; heartbeatAt: number };
    expect(info.pid).toBe(second.pid);
    expect(Date.now() - info.heartbeatAt).toBeLessThan(5000);

    process.kill(second.pid, 'SIGTERM');
    expect((await second.waitForExit(30_000)).code).toBe(0);
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 100, message: 'the adopted service to be stopped' });
    expect(tempFilesUnder(stateDir)).toEqual([]);
  });
});

describe('a bug in the daemon', () => {
  it('an uncaught exception is logged and journaled, the daemon exits 70 leaving the service running, the next daemon adopts it', async () => {
    const dir = tempDir('clawback-fatal-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const stateDir = path.join(dir, 'state');
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    // The production daemon set-up of `clawback run` (createDaemon + installFatalHandlers), with a bug planted in a timer.
    const script = path.join(dir, 'buggy-daemon.mjs');
    writeFileSync(
      script,
      [
        `import { createDaemon } from ${JSON.stringify(path.join(DIST, 'daemon/daemon.js'))};`,
        `import { defaultDaemonOptions } from ${JSON.stringify(path.join(DIST, 'daemon/wiring.js'))};`,
        `import { installFatalHandlers } from ${JSON.stringify(path.join(DIST, 'daemon/fatal-exit.js'))};`,
        'let daemon;',
        'installFatalHandlers(process, { daemon: () => daemon });',
        `daemon = await createDaemon({ ...defaultDaemonOptions(), file: ${JSON.stringify(config)}, stateDir: ${JSON.stringify(stateDir)}, apiPort: 0 });`,
        'await daemon.start();',
        "process.stdout.write('started\\n');",
        "setTimeout(() => { throw new Error('boom: a bug in a timer callback'); }, 2500);",
      ].join('\n'),
    );
    expect(existsSync(path.join(DIST, 'daemon/fatal-exit.js')), 'dist/ must be built (npx tsc -p tsconfig.json)').toBe(true);
    const buggy = spawnMarked(NODE, [script]);
    cleanup.push(() => buggy.kill());
    const base = await apiBase(stateDir, buggy);
    const pid = await waitFor(async () => (await status(base)).services[0]!.pid ?? undefined, { timeoutMs: 30_000, intervalMs: 200, message: 'the service pid' });
    killLater(pid);

    const exit = await buggy.waitForExit(30_000);
    expect(exit.code).toBe(70);
    expect(isAlive(pid), 'the service must be left running for the next daemon').toBe(true);
    const crashed = readJournalFile(path.join(stateDir, 'journal.jsonl')).find((e) => e.type === 'daemon.crashed');
    expect(crashed?.message).toContain('boom: a bug in a timer callback');
    expect(crashed?.severity).toBe('critical');
    const log = readFileSync(path.join(stateDir, 'logs', 'daemon.log'), 'utf8');
    expect(log).toMatch(/"level":"fatal".*boom: a bug in a timer callback/);
    expect(buggy.stderr()).toContain('boom: a bug in a timer callback');

    // What the service manager does next: start the daemon again; it adopts the running service.
    const next = startDaemon(config, stateDir);
    const base2 = await apiBase(stateDir, next);
    const adopted = await waitFor(async () => {
      const s = await status(base2);
      return s.services[0]!.pid === pid && s.services[0]!.state === 'running' ? s : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200, message: 'the next daemon to adopt the service' });
    expect(adopted.services[0]!.restarts).toBe(0);
    expect(readJournalFile(path.join(stateDir, 'journal.jsonl')).some((e) => e.type === 'daemon.adopted')).toBe(true);
    process.kill(next.pid, 'SIGTERM');
    expect((await next.waitForExit(30_000)).code).toBe(0);
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 100, message: 'the adopted service to be stopped' });
  });
});
