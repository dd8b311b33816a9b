// A log directory the daemon cannot watch (the inotify watch limit reached) fell back to the 2 s pass in silence: a fast
// writer took its log far past logs.maxBytes between two checks and nobody was told why. The daemon log now says it,
// once, with the cause and what it means. Real CLI daemon, run in a user namespace whose inotify watch limit is 0 (the
// machine's own limit is not touched).
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { unwatchedLogDirText } from '../../src/daemon/observe-wiring.js';

/** Whether this machine lets us make a user namespace with its own inotify limits (Linux >= 5.11, unshare). */
function canLimitWatches(): boolean {
  try {
    return execFileSync('unshare', ['-Ur', 'sh', '-c', 'echo 0 > /proc/sys/user/max_inotify_watches && cat /proc/sys/user/max_inotify_watches'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === '0';
  } catch {
    return false;
  }
}

const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.signal('SIGINT');
    await c.waitForExit(20_000).catch(() => undefined);
    c.kill();
  }
});

describe('a log directory that cannot be watched', () => {
  it.runIf(process.platform === 'linux' && canLimitWatches())('is said once in the daemon log, with the cause and what it means', async () => {
    const dir = tempDir('clawback-log-unwatchable-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: await freePort() }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const daemon = spawnMarked('unshare', ['-Ur', 'sh', '-c', 'echo 0 > /proc/sys/user/max_inotify_watches && exec "$@"', 'sh', NODE, CLI, 'run', '--config', configPath, '--state-dir', stateDir]);
    children.push(daemon);
    const log = path.join(stateDir, 'logs', 'daemon.log');
    const said = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('cannot watch')) : []);
    await waitFor(() => said().length > 0 || undefined, { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon log to say the log directory is not watched' });
    const line = JSON.parse(said()[0]!) as { level: string; msg: string; services: string[] };
    expect(line.level).toBe('warn');
    expect(line.services).toEqual(['sl']);
    expect(line.msg).toContain(`cannot watch ${path.join(stateDir, 'logs')} for log writes: the inotify watch limit is reached (ENOSPC; raise fs.inotify.max_user_watches)`);
    expect(line.msg).toMatch(/checked every 2 s instead of at each write.*past logs\.maxBytes/);
    // The 2 s passes that follow try again, and say nothing more.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(said()).toHaveLength(1);
  }, 60_000);

  it('names the instance limit and other causes as what they are', () => {
    expect(unwatchedLogDirText('/l', ['a', 'b'], Object.assign(new Error('x'), { code: 'EMFILE' }))).toMatch(/^cannot watch \/l for log writes: the inotify instance limit is reached \(EMFILE; raise fs\.inotify\.max_user_instances\): the logs there \(a, b\)/);
    expect(unwatchedLogDirText('/l', [], Object.assign(new Error('x'), { code: 'EACCES' }))).toMatch(/^cannot watch \/l for log writes: permission denied \(EACCES\): the logs there are checked/);
  });
});
