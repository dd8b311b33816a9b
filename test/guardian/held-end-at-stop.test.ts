// A guardian pass revives a crashed daemon and writes guardian-revive.json: the daemon it starts holds the crash's end
// (daemon.died) until that pass tells it (guardian.revived) or ends without. A person stops that daemon (SIGTERM, a
// clean stop) while the pass still runs, before it saw the new heartbeat: the pass then ends `stopped` and says nothing,
// and the held end went with the stopped daemon: no word of the crash was ever journaled. The stop now settles it:
// said once, by the stopping daemon, and not again by anyone.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import type { DaemonInfo } from '../../src/daemon/daemon-info.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const readInfo = (stateDir: string): DaemonInfo | undefined => {
  try {
    return JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as DaemonInfo;
  } catch {
    return undefined;
  }
};

describe('a daemon stopped while the guardian pass that revived it still runs', () => {
  it('says the held end of the crashed daemon once (daemon.died), the pass says nothing more', { timeout: 120_000 }, async () => {
    const dir = tempDir('clawback-held-stop-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    // The pass stalls right after it spawned the daemon (a loaded machine): it has not seen the new heartbeat when the
    // person's stop lands.
    const preload = path.join(dir, 'stall.cjs');
    writeFileSync(
      preload,
      `if (process.argv.includes('guardian')) {
  const cp = require('node:child_process');
  const spawn = cp.spawn;
  cp.spawn = function (cmd, args, ...rest) { const c = spawn.call(this, cmd, args, ...rest); if (Array.isArray(args) && args.includes('run')) setImmediate(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.env.STALL_MS))); return c; };
}
`,
    );
    const journal = () => readJournalFile(path.join(stateDir, 'journal.jsonl'));
    const startedBy = (pid: number) => journal().some((e) => e.type === 'daemon.started' && e.details?.pid === pid);

    const first: MarkedChild = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(async () => {
      if (!first.exitInfo()) first.signal('SIGKILL');
      await first.waitForExit(10_000).catch(() => undefined);
    });
    await waitFor(() => (startedBy(first.pid) && readInfo(stateDir)?.pid === first.pid) || undefined, { timeoutMs: 30_000, message: 'the first daemon started' });
    first.signal('SIGKILL');
    await first.waitForExit(10_000);
    const crashed = first.pid;

    const pass = spawnMarked(NODE, [CLI, 'guardian', '--once', '--json', '--config', config, '--state-dir', stateDir, '--pass-timeout', '100s'], {
      env: { NODE_OPTIONS: `--require ${preload}`, HOME: dir, STALL_MS: '12000' },
    });
    cleanup.push(async () => {
      if (!pass.exitInfo()) pass.signal('SIGKILL');
      await pass.waitForExit(10_000).catch(() => undefined);
    });
    const next = await waitFor(() => { const i = readInfo(stateDir); return i && i.pid !== crashed && startedBy(i.pid) ? i : undefined; }, { timeoutMs: 40_000, message: 'the revived daemon started' });
    cleanup.push(() => { if (isAlive(next.pid)) process.kill(next.pid, 'SIGKILL'); });
    expect(pass.exitInfo(), 'the pass still runs').toBeFalsy();
    process.kill(next.pid, 'SIGTERM');
    await waitFor(() => !isAlive(next.pid) || undefined, { timeoutMs: 30_000, message: 'the revived daemon stopped' });

    const exit = await pass.waitForExit(60_000);
    expect(pass.stdout()).toContain('"outcome":"stopped"');
    expect(exit.code).toBe(0);
    const ends = journal().filter((e) => (e.type === 'daemon.died' && e.details?.pid === crashed) || (e.type === 'guardian.revived' && e.details?.oldPid === crashed));
    expect(ends.map((e) => e.type), JSON.stringify(journal().map((e) => e.type))).toEqual(['daemon.died']);
    expect(ends[0]!.message).toContain(`pid ${crashed}`);
    // Said before the daemon's own stop, while its journal was open.
    const types = journal().map((e) => e.type);
    expect(types.lastIndexOf('daemon.died')).toBeLessThan(types.lastIndexOf('daemon.stopped'));
  });
});
