// A daemon the guardian starts on a full state disk with no token yet (real tmpfs, real CLI): its daemon.out.log takes
// none of its words, and the report said only "exited with code 1". It now says the file, the disk's room and what to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
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

describe('guardian --once: a daemon that cannot start on a full disk', () => {
  it("the report carries the daemon's own words: the file refused, the room on its filesystem and what to free", async () => {
    const dir = tempDir('clawback-start-failure-');
    const runtime = path.join(dir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify({ api: { port: await freePort() }, services: [{ name: 'web', command: ['sleep', '1000'], autostart: false }] }));
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    disk.fill(0);
    const r = await runCli(['guardian', '--once', '--json', '--config', config, '--state-dir', stateDir], { timeoutMs: 60_000, env: { XDG_RUNTIME_DIR: runtime } });
    const report = JSON.parse(r.stdout) as { outcome: string; daemonExit?: { code: number | null; output?: string } };
    expect(report.outcome).toBe('daemon-down');
    expect(report.daemonExit?.code).toBe(1);
    const output = report.daemonExit?.output ?? '';
    expect(output).toContain(`cannot write ${path.join(stateDir, 'token')}: no space left on the device (ENOSPC)`);
    expect(output).toMatch(/its filesystem has \d+ B free of 1\.0 MiB/);
    expect(output).toContain(`to fix: free space (or quota) on its filesystem (${stateDir})`);
    // Read once: nothing left behind for a later pass to mistake for its own start's words.
    const left = existsSync(path.join(runtime, 'clawback-guardian-alerts')) ? readdirSync(path.join(runtime, 'clawback-guardian-alerts')).filter((f) => f.endsWith('.start-failure.txt')) : [];
    expect(left).toEqual([]);
  }, 90_000);
});
