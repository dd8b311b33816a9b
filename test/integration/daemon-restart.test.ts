// No single point of failure: a killed daemon leaves the gateway serving, a new daemon adopts it,
// the guardian revives a dead daemon, and a wiped state directory is survived.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { httpGet, isAlive, spawnMarked, waitFor, killTree, pidRef, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

/** Kills pid's process at cleanup if it still runs then: its identity is taken now, while the test knows whose it is. */
function killLater(pid: number): void {
  const ref = pidRef(pid);
  cleanup.push(() => killTree(ref));
}

interface Setup {
  stateDir: string;
  config: string;
  port: number;
}

async function setup(): Promise<Setup> {
  const dir = tempDir();
  const port = await freePort();
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(
    config,
    YAML.stringify(
      markServices({
        api: { port: 0 },
        services: [
          {
            name: 'gw',
            command: [NODE, DEMO_GATEWAY_SERVER, '--port', String(port)],
            probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms' }],
          },
        ],
      }),
    ),
  );
  return { stateDir: path.join(dir, 'state'), config, port };
}

function startDaemon(s: Setup): MarkedChild {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
  cleanup.push(() => d.kill());
  return d;
}

function daemonInfo(s: Setup): { pid: number; heartbeatAt: number } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(s.stateDir, 'daemon.json'), 'utf8')) as { pid: number; heartbeatAt: number };
  } catch {
    return undefined;
  }
}

async function gatewayPid(s: Setup): Promise<number> {
  return waitFor(async () => {
    const r = await runCli(['status', '--json', '--state-dir', s.stateDir]);
    if (r.code !== 0) return undefined;
    const j = JSON.parse(r.stdout) as { services: Array<{ pid: number | null; health: string }> };
    return j.services[0]!.health === 'healthy' ? j.services[0]!.pid ?? undefined : undefined;
  }, { timeoutMs: 20_000, intervalMs: 200 });
}

/** Polls the gateway every 20 ms while `during` runs; returns how many requests failed. */
async function watchGateway(port: number, during: () => Promise<void>): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const r = await httpGet(`http://127.0.0.1:${port}/health`, 1000).catch(() => ({ status: 0 }));
      if (r.status === 200) ok++;
      else failed++;
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  try {
    await during();
  } finally {
    stop = true;
    await loop;
  }
  return { ok, failed };
}

describe('daemon restarts leave the service running', () => {
  it('daemon SIGKILL: the gateway keeps serving and a new daemon adopts it', async () => {
    const s = await setup();
    const d1 = startDaemon(s);
    const pid = await gatewayPid(s);
    killLater(pid);
    const seen = await watchGateway(s.port, async () => {
      d1.kill();
      await d1.waitForExit(5000);
      await new Promise((r) => setTimeout(r, 500));
      expect(isAlive(pid)).toBe(true);
      const d2 = startDaemon(s);
      await d2.waitForStdout('dashboard:', 15_000);
      expect(await gatewayPid(s)).toBe(pid);
    });
    expect(seen.failed).toBe(0);
    expect(seen.ok).toBeGreaterThan(10);
    const journal = readFileSync(path.join(s.stateDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"type":"daemon.adopted"');
    // The adopted instance is still supervised: kill it and it comes back.
    process.kill(pid, 'SIGKILL');
    const pid2 = await waitFor(async () => {
      const p = await gatewayPid(s).catch(() => undefined);
      return p && p !== pid ? p : undefined;
    }, { timeoutMs: 20_000 });
    killLater(pid2);
  });

  it('guardian --once revives a killed daemon; the gateway never stops', async () => {
    const s = await setup();
    const d1 = startDaemon(s);
    const pid = await gatewayPid(s);
    killLater(pid);
    const before = daemonInfo(s)!.pid;
    let report: { outcome: string } | undefined;
    const seen = await watchGateway(s.port, async () => {
      d1.kill();
      await d1.waitForExit(5000);
      const r = await runCli(['guardian', '--once', '--config', s.config, '--state-dir', s.stateDir], { timeoutMs: 40_000 });
      report = JSON.parse(r.stdout) as { outcome: string };
    });
    const after = daemonInfo(s)!.pid;
    killLater(after);
    expect(report?.outcome).toBe('revived');
    await waitFor(() => readFileSync(path.join(s.stateDir, 'journal.jsonl'), 'utf8').includes('"type":"guardian.revived"'), { timeoutMs: 10_000 });
    expect(after).not.toBe(before);
    expect(isAlive(after)).toBe(true);
    expect(seen.failed).toBe(0);
    expect(await gatewayPid(s)).toBe(pid);
    // A second pass finds a healthy daemon and does nothing.
    const again = JSON.parse((await runCli(['guardian', '--once', '--config', s.config, '--state-dir', s.stateDir], { timeoutMs: 40_000 })).stdout) as { outcome: string };
    expect(again.outcome).toBe('ok');
    process.kill(after, 'SIGTERM');
    await waitFor(() => !isAlive(after), { timeoutMs: 10_000 });
    // Stopped on purpose: the guardian leaves it alone.
    const quiet = await runCli(['guardian', '--once', '--config', s.config, '--state-dir', s.stateDir]);
    expect(quiet.stdout).toContain('stopped on purpose');
  });

  it('nuclear: every process killed and the state directory deleted; the next daemon recovers from the config alone', async () => {
    const s = await setup();
    const d1 = startDaemon(s);
    const pid = await gatewayPid(s);
    d1.kill();
    killTree(pidRef(pid));
    await d1.waitForExit(5000);
    await waitFor(() => !isAlive(pid), { timeoutMs: 5000 });
    rmSync(s.stateDir, { recursive: true, force: true });
    const d2 = startDaemon(s);
    await d2.waitForStdout('dashboard:', 15_000);
    const pid2 = await gatewayPid(s);
    killLater(pid2);
    expect(pid2).not.toBe(pid);
    expect((await httpGet(`http://127.0.0.1:${s.port}/health`, 1000)).status).toBe(200);
    const journal = readFileSync(path.join(s.stateDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"type":"daemon.history-lost"');
    expect(existsSync(path.join(s.stateDir, 'token'))).toBe(true);
  });
});
