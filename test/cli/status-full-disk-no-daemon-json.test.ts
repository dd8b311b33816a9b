// A daemon whose state disk is full and whose daemon.json is gone (removed by a person or a cleanup) cannot write it
// again: it announces itself by its daemon.<pid>.<start>.alive marker, the one `run` refuses a second daemon by. Yet
// `clawback status` said "the clawback daemon is not running (no daemon.json ...); start it with: ..." while it ran.
// Now status says it runs, degraded, why nothing was asked of it, and where to look. Real tmpfs, real daemon, real CLI.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { mountSmallDisk } from '../helpers/tmpfs.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

describe('status: a running daemon without daemon.json on a full disk', () => {
  it('says it runs (pid), degraded, names its marker and the state dir, and offers no second daemon', async () => {
    const disk = mountSmallDisk('2m');
    cleanup.push(() => disk.unmount());
    cleanup.push(() => disk.free());
    const dir = tempDir('clawback-status-marker-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const stateDir = path.join(disk.dir, 'state');
    const t = await startTestDaemon(
      { api: { port: await freePort() }, services: [{ name: 'svc', command: [NODE, '-e', 'setInterval(() => {}, 1e9)'] }] },
      { dir, stateDir, heartbeatMs: 200 },
    );
    cleanup.push(() => t.stop());
    // Removed, then the disk filled in the same tick: the daemon (in this process) cannot write it again in between.
    rmSync(path.join(stateDir, 'daemon.json'));
    disk.fill(0);
    const marker = await waitFor(() => readdirSync(stateDir).find((n) => n.startsWith(`daemon.${process.pid}.`) && n.endsWith('.alive')), {
      timeoutMs: 10_000,
      message: 'the alive marker of the daemon on the full disk',
    });
    expect(existsSync(path.join(stateDir, 'daemon.json'))).toBe(false);

    const r = await runCli(['status', '--config', t.configFile, '--state-dir', stateDir], { timeoutMs: 30_000 });
    const said = r.stdout + r.stderr;
    expect(said).not.toContain('is not running');
    expect(said).not.toContain('start it with');
    expect(said).toContain(`the clawback daemon (pid ${process.pid}) is running, degraded`);
    expect(said).toContain(path.join(stateDir, marker));
    expect(said).toContain(`make room in ${stateDir}`);
    expect(r.code).not.toBe(0);
  }, 60_000);
});
