// The daemon's stdout/stderr as a file on a full disk (what the guardian and launchd give it: logs/daemon.out.log,
// StandardOutPath): the refused writes cost that output, never the daemon (before: exit 70 at its first line).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('daemon output to a file on a full disk', () => {
  it('keeps supervising (heartbeat goes on, the service stays up) and says so in daemon.log', async () => {
    const dir = tempDir('clawback-stdout-full-');
    const port = await freePort();
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)] }] })));
    const stateDir = path.join(dir, 'state');
    const out = path.join(disk.dir, 'daemon.out.log');
    writeFileSync(out, '');
    disk.fill(0);
    const fd = openSync(out, 'a');
    let child: ChildProcess;
    try {
      child = spawn(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir], { stdio: ['ignore', fd, fd], detached: true, env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
    } finally {
      closeSync(fd);
    }
    let exit: { code: number | null } | undefined;
    child.on('exit', (code) => (exit = { code }));
    cleanup.push(() => {
      if (exit) return;
      try {
        process.kill(child.pid!, 'SIGTERM');
      } catch {
        // gone
      }
    });
    const beat = (): number | undefined => {
      try {
        return (JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { heartbeatAt: number }).heartbeatAt;
      } catch {
        return undefined;
      }
    };
    const first = await waitFor(() => beat() ?? (exit ? Promise.reject(new Error(`daemon exited ${exit.code} before its first heartbeat`)) : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    // Two more heartbeats after "clawback running..." was refused: the daemon lived through it.
    await waitFor(() => {
      if (exit) throw new Error(`daemon exited with code ${exit.code} after its output was refused`);
      return (beat() ?? 0) > first + 2000 || undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    expect(exit).toBeUndefined();
    expect(readFileSync(out, 'utf8')).toBe('');
    await waitFor(() => existsSync(path.join(stateDir, 'logs', 'daemon.log')) && /stdout refused a write \(ENOSPC\)/.test(readFileSync(path.join(stateDir, 'logs', 'daemon.log'), 'utf8')) || undefined, { timeoutMs: 10_000 });
    // A clean stop still stops the service it started.
    process.kill(child.pid!, 'SIGTERM');
    await waitFor(() => exit, { timeoutMs: 30_000 });
    expect(exit!.code).toBe(0);
  }, 90_000);
});
