// A pid file left behind by a service that died names a pid an unrelated process now holds: that process is not the
// service (it started after the file was written), so it is neither attached to nor signalled.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discoverPid, launchExternal } from '../../src/supervisor/external-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { oncePerStalePid, stalePidFileText } from '../../src/supervisor/pid-file-owner.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const children: MarkedChild[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function start(args: string[]): MarkedChild {
  const c = spawnMarked(process.execPath, args);
  children.push(c);
  return c;
}

/** A pid file naming `pid`, last written an hour ago (when the service that died had started). */
function stalePidFile(pid: number): string {
  dir = mkdtempSync(path.join(tmpdir(), 'clawback-external-reused-'));
  const file = path.join(dir, 'svc.pid');
  writeFileSync(file, `${pid}\n`);
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(file, hourAgo, hourAgo);
  return file;
}

describe('a pid file whose pid an unrelated process took', () => {
  it('is not the running service: its manager is asked to start it, and the unrelated process is never signalled', async () => {
    const stranger = start(['-e', "process.on('SIGTERM', () => process.exit(3)); console.log('ready'); setInterval(() => {}, 1e9)"]);
    await stranger.waitForStdout('ready');
    const pidFile = stalePidFile(stranger.pid);
    const ext = { pidFile, restartCommand: ['true'], timeout: 20_000 };
    const told: unknown[][] = [];
    const onStale = oncePerStalePid((...a) => told.push(a));
    expect(await discoverPid(ext, realCommandRunner(), undefined, onStale)).toBeUndefined();
    expect(await discoverPid(ext, realCommandRunner(), undefined, onStale)).toBeUndefined();
    // Said once (not per look), with the file, the pid and why.
    expect(told).toEqual([[pidFile, stranger.pid, 'younger']]);
    expect(stalePidFileText(pidFile, stranger.pid, 'younger')).toContain(`pid file ${pidFile} names pid ${stranger.pid}, held by a process that started after the file was written`);

    // The service its manager brings up writes a fresh pid file.
    const svc = start(['-e', "process.on('SIGTERM', () => process.exit(0)); console.log('ready'); setInterval(() => {}, 1e9)"]);
    await svc.waitForStdout('ready');
    const startCommand = [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, '${svc.pid}\\n')`];
    const inst = await launchExternal({ ...ext, startCommand }, systemClock(), realCommandRunner(), { restart: false, pollMs: 50 });
    expect(inst.pid).toBe(svc.pid);
    await inst.stop('SIGTERM', 5_000);
    expect(stranger.exitInfo(), 'the unrelated process holding the stale pid was signalled').toBeUndefined();
  }, 60_000);

  it('a pid file written after its process started still names the running service', async () => {
    const svc = start(['-e', "console.log('ready'); setInterval(() => {}, 1e9)"]);
    await svc.waitForStdout('ready');
    dir = mkdtempSync(path.join(tmpdir(), 'clawback-external-reused-'));
    const pidFile = path.join(dir, 'svc.pid');
    writeFileSync(pidFile, `${svc.pid}\n`);
    expect(await discoverPid({ pidFile, restartCommand: ['true'], timeout: 5_000 }, realCommandRunner())).toBe(svc.pid);
  }, 30_000);
});
