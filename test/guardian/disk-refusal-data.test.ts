// The guardian's folded line for a faulty state directory was built by parsing its own error text: a read-only state
// dir gave a 769-character line (each step's long consequence, the step's name where the file should be) and the fold
// could not tell a refusal from a line that only quoted one. Each step now records its refusal as data (code, file,
// what it costs) where it is produced; the fold reads only that, and the line is short and right for its cause.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { mountSmallDisk } from '../helpers/tmpfs.js';
import { diskRefusalOf, foldDiskRefusals, type DiskRefusal } from '../../src/daemon/disk-refusal-fold.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

interface Report {
  errors: string[];
  refusedWrites?: string[];
  diskRefusals?: Array<{ code: string; file: string; so?: string }>;
}

describe('guardian: disk refusals recorded as data where they happen', () => {
  it('a read-only state dir: one short EROFS line, each file with what its refusal costs, remount advice only', async () => {
    const disk = mountSmallDisk('1m');
    cleanup.push(() => disk.unmount());
    const dir = tempDir('clawback-refusal-data-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', autostart: false, command: ['sleep', '1000'] }] })));
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
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
    const report = JSON.parse(r.stdout) as Report;
    const lines = report.errors.filter((e) => e.includes('EROFS'));
    expect(lines, report.errors.join('\n')).toHaveLength(1);
    const line = lines[0]!;
    // The step that failed is named by its file, with what it costs, as recorded where it was refused.
    expect(line).toContain('logs/daemon.out.log: daemon not started');
    expect(line).toContain('state.json: direct revive cut short');
    expect(line).not.toContain('startDaemon');
    expect(line).not.toContain('probeServices');
    expect(line).not.toMatch(/free space/);
    expect(line).toContain('remount it read-write');
    expect(line.length - stateDir.length, line).toBeLessThan(560);
    expect(report.diskRefusals?.map((x) => x.code)).toEqual(report.refusedWrites!.map(() => 'EROFS'));
    expect(report.diskRefusals?.map((x) => x.file)).toEqual(expect.arrayContaining(['guardian.lock', 'logs/daemon.out.log', 'state.json', 'guardian-pass.json']));
  }, 120_000);

  it('foldDiskRefusals reads the recorded refusals, not the text: a line that only quotes a code is left alone; a full disk says the room left', () => {
    const s = '/s';
    const enospc = (f: string) => Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', path: `/s/${f}` });
    const room = () => ({ free: 4096, size: 1 << 20 });
    const quoting = "web: its log said 'EROFS: read-only file system, open /s/logs/web.log' an hour ago";
    const report: { errors: string[]; refusedWrites?: string[]; diskRefusals: DiskRefusal[] } = {
      errors: [quoting, 'a', 'b'],
      diskRefusals: [diskRefusalOf(enospc('state.json'), s, 'a', { room })!, diskRefusalOf(enospc('.guardian-pass.json.1.ab.tmp'), s, 'b', { so: 'pass not recorded', room })!],
    };
    const folded = foldDiskRefusals(report, s);
    expect(folded.errors[0]).toBe(quoting);
    expect(folded.errors).toHaveLength(2);
    expect(folded.errors[1]).toBe(
      'the state directory /s is on a full file system (ENOSPC) (its filesystem has 4.0 KiB free of 1.0 MiB): 2 writes of this pass were refused (state.json, guardian-pass.json); so: state.json: not written; guardian-pass.json: pass not recorded; to do: free space on its file system',
    );
    expect(folded.refusedWrites).toEqual(['a', 'b']);
    // Not a filesystem's fault, or a file outside the state directory: no refusal.
    expect(diskRefusalOf(Object.assign(new Error('x'), { code: 'EACCES', path: '/s/a' }), s, 'x')).toBeUndefined();
    expect(diskRefusalOf(enospc('../elsewhere/a'), s, 'x', { room })).toBeUndefined();
  });
});
