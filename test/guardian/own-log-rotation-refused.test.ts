// The guardian rotates the daemon's own logs (guardian.log, daemon.out.log) each pass. On a read-only state dir each
// rotation that failed stood as its own plain error line ("rotating …/guardian.log failed: EROFS …", one per log, every
// pass) beside the one line that folds the pass's other refusals of that filesystem. They are refusals like the others:
// folded into that line (named by the log, "not rotated"), each kept word for word in refusedWrites.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { mountSmallDisk } from '../helpers/tmpfs.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('guardian: its own logs on a read-only state dir', () => {
  it('the failed rotations of guardian.log and daemon.out.log fold into the one EROFS line', async () => {
    const disk = mountSmallDisk('40m');
    cleanup.push(() => disk.unmount());
    const dir = tempDir('clawback-own-log-ro-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', autostart: false, command: ['sleep', '1000'] }] })));
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
    // Past the 10 MiB bound, with room left for daemon.out.log's copy: only the read-only mount refuses.
    const big = Buffer.alloc(11_000_000, 0x61);
    writeFileSync(path.join(stateDir, 'logs', 'guardian.log'), big);
    writeFileSync(path.join(stateDir, 'logs', 'daemon.out.log'), big);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const now = Date.now();
    writeFileSync(
      path.join(stateDir, 'daemon.json'),
      JSON.stringify({ pid: dead, startedAt: now - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: now - 30_000, configPath: config, pidStartTime: 1 }),
    );
    execFileSync('mount', ['-o', 'remount,ro', disk.dir], { stdio: 'pipe' });
    const runtime = path.join(dir, 'runtime');
    mkdirSync(runtime, { recursive: true, mode: 0o700 });
    const r = await runCli(['guardian', '--once', '--json', '--config', config, '--state-dir', stateDir], { timeoutMs: 90_000, env: { TMPDIR: dir, XDG_RUNTIME_DIR: runtime } });
    const report = JSON.parse(r.stdout) as { errors: string[]; refusedWrites?: string[] };
    const said = report.errors.join('\n');
    expect(report.errors.filter((e) => e.includes('EROFS')), said).toHaveLength(1);
    expect(report.errors.filter((e) => e.startsWith('rotating ')), said).toEqual([]);
    const line = report.errors.find((e) => e.includes('EROFS'))!;
    expect(line).toContain('logs/guardian.log: not rotated');
    expect(line).toContain('logs/daemon.out.log: not rotated');
    expect((report.refusedWrites ?? []).filter((e) => e.startsWith('rotating ')), said).toHaveLength(2);
  }, 120_000);
});
