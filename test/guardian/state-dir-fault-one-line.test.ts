// One fault of the state directory's filesystem refused each write of a guardian pass, and each step said so on its
// own line: six error lines per pass (guardian.lock, guardian-revive.json, the daemon's log, state.json,
// pending-events.jsonl, guardian-pass.json) for one cause. A person reads one line per cause, saying what it means and
// what to do; each refusal stays word for word in refusedWrites.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { foldDiskRefusals, pushError, type DiskRefusal } from '../../src/daemon/disk-refusal-fold.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function smallDisk(): SmallDisk {
  const disk = mountSmallDisk('1m');
  cleanup.push(() => disk.unmount());
  return disk;
}

/** A config (its one service not started: the pass's writes are its own) and a state dir on disk whose daemon died. */
function setUp(disk: SmallDisk): { dir: string; config: string; stateDir: string } {
  const dir = tempDir('clawback-state-fault-');
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
  return { dir, config, stateDir };
}

interface Report {
  outcome: string;
  errors: string[];
  refusedWrites?: string[];
}

async function pass(dir: string, config: string, stateDir: string): Promise<Report> {
  const runtime = path.join(dir, 'runtime');
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const r = await runCli(['guardian', '--once', '--json', '--config', config, '--state-dir', stateDir], { timeoutMs: 90_000, env: { TMPDIR: dir, XDG_RUNTIME_DIR: runtime } });
  return JSON.parse(r.stdout) as Report;
}

describe('guardian: one line per cause for a faulty state directory', () => {
  it('a read-only state dir: one EROFS line naming the files, what it means and what to do', async () => {
    const disk = smallDisk();
    const { dir, config, stateDir } = setUp(disk);
    execFileSync('mount', ['-o', 'remount,ro', disk.dir], { stdio: 'pipe' });
    const report = await pass(dir, config, stateDir);
    const said = report.errors.join('\n');
    const lines = report.errors.filter((e) => e.includes('EROFS'));
    expect(lines, said).toHaveLength(1);
    expect(lines[0]).toContain(`the state directory ${stateDir} is on a read-only file system (EROFS)`);
    expect(lines[0]).toMatch(/guardian\.lock, guardian-revive\.json, .*guardian-pass\.json/);
    expect(lines[0]).toContain('guardian.lock: this pass runs without it');
    expect(lines[0]).toContain('remount it read-write');
    expect(report.refusedWrites?.length ?? 0, said).toBeGreaterThanOrEqual(4);
    expect(report.refusedWrites!.every((e) => e.includes('EROFS'))).toBe(true);
  }, 120_000);

  it('a full state dir: one ENOSPC line with the room left', async () => {
    const disk = smallDisk();
    const { dir, config, stateDir } = setUp(disk);
    disk.fill(0);
    const report = await pass(dir, config, stateDir);
    const said = report.errors.join('\n');
    const lines = report.errors.filter((e) => e.includes('ENOSPC'));
    expect(lines, said).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`the state directory ${stateDir} is on a full file system \\(ENOSPC\\) \\(its filesystem has \\d+ B free of 1\\.0 MiB\\)`));
    expect(lines[0]).toContain('free space on its file system');
    expect(report.refusedWrites?.length ?? 0, said).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('foldDiskRefusals: folded again after more errors, the cause is still one line over all its refusals; one refusal alone is said as its cause too', () => {
    const s = '/s';
    const erofs = (f: string) => Object.assign(new Error(`EROFS: read-only file system, open '/s/${f}'`), { code: 'EROFS', path: `/s/${f}` });
    const refusal = (f: string) => erofs(f).message;
    const one: { errors: string[]; refusedWrites?: string[]; diskRefusals?: DiskRefusal[] } = { errors: [] };
    pushError(one, s, erofs('guardian.lock.1.ab.new'), `guardian.lock could not be written (${refusal('guardian.lock.1.ab.new')}): this pass runs without it`, { so: 'this pass runs without it' });
    one.errors.push('other');
    const alone = foldDiskRefusals(one, s);
    expect(alone.errors).toHaveLength(2);
    expect(alone.errors[0]).toContain('1 write of this pass was refused (guardian.lock)');
    expect(alone.refusedWrites).toEqual([one.errors[0]]);
    const more = { ...one, errors: [...one.errors] };
    pushError(more, s, erofs('logs/daemon.out.log'), `startDaemon: ${refusal('logs/daemon.out.log')}`);
    const first = foldDiskRefusals(more, s);
    expect(first.errors).toHaveLength(2);
    expect(first.errors[0]).toContain('2 writes of this pass were refused (guardian.lock, logs/daemon.out.log)');
    expect(first.errors[1]).toBe('other');
    pushError(first, s, erofs('.guardian-pass.json.1.ab.tmp'), `guardian-pass.json could not be written (${refusal('.guardian-pass.json.1.ab.tmp')}): the daemon cannot say this pass ran`, { so: 'the daemon cannot say this pass ran' });
    const second = foldDiskRefusals(first, s);
    expect(second.errors).toHaveLength(2);
    expect(second.errors[0]).toContain('3 writes of this pass were refused (guardian.lock, logs/daemon.out.log, guardian-pass.json)');
    expect(second.errors[0]).toContain('guardian-pass.json: the daemon cannot say this pass ran');
    expect(second.refusedWrites).toHaveLength(3);
  });
});
