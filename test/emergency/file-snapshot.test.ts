// The agent's file snapshot on real files: links kept, a bounded listing never mistakes an old file for a new one.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SNAPSHOT_LIMITS, changesSince, createdSince, fileModes, fileOwners, revertSnapshot, takeSnapshot } from '../../src/emergency/file-snapshot.js';
import { openWriters, parseLsofWriters, writableFlags } from '../../src/platform/open-writers.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-snap-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the snapshot of what an agent may touch', () => {
  it('a config that is a symbolic link is put back at its target, and the link stays a link', async () => {
    await fs.mkdir(path.join(dir, 'dotfiles'));
    const real = path.join(dir, 'dotfiles', 'gateway.json');
    await fs.writeFile(real, '{"port": 18789}\n');
    const link = path.join(dir, 'gateway.json');
    await fs.symlink(real, link);
    const snap = await takeSnapshot([link], [], path.join(dir, 'before'));
    await fs.writeFile(link, '{"port": "oops"}\n'); // written through the link, as an editor does
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted).toEqual([link]);
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(real, 'utf8')).toBe('{"port": 18789}\n');
  });

  it('a directory the run deleted comes back with the mode it had (a 0700 credentials directory is not left 0755)', async () => {
    const home = path.join(dir, 'home');
    const creds = path.join(home, 'credentials');
    const deep = path.join(creds, 'telegram');
    await fs.mkdir(deep, { recursive: true });
    await fs.chmod(home, 0o700);
    await fs.chmod(creds, 0o700);
    await fs.chmod(deep, 0o750);
    await fs.writeFile(path.join(deep, 'bot.json'), '{"token": "kept"}\n', { mode: 0o600 });
    const config = path.join(dir, 'state', 'gateway.json');
    await fs.mkdir(path.dirname(config));
    await fs.chmod(path.dirname(config), 0o711);
    await fs.writeFile(config, '{"port": 18789}\n');
    const snap = await takeSnapshot([config, home], [], path.join(dir, 'before'));
    // The agent removes both directories whole.
    await fs.rm(home, { recursive: true });
    await fs.rm(path.dirname(config), { recursive: true });
    const old = process.umask(0o022);
    try {
      const r = await revertSnapshot(snap, path.join(dir, 'after'));
      expect(r.reverted.sort()).toEqual([config, path.join(deep, 'bot.json')].sort());
    } finally {
      process.umask(old);
    }
    const mode = async (p: string): Promise<string> => ((await fs.stat(p)).mode & 0o777).toString(8);
    expect(await mode(home)).toBe('700');
    expect(await mode(creds)).toBe('700');
    expect(await mode(deep)).toBe('750');
    expect(await mode(path.dirname(config))).toBe('711');
    expect(await mode(path.join(deep, 'bot.json'))).toBe('600');
    expect(await fs.readFile(path.join(deep, 'bot.json'), 'utf8')).toBe('{"token": "kept"}\n');
  });

  it("Clawback's own validator candidate beside the config (.NAME.clawback-check-HEX.json) is not the agent's: not counted, not removed", async () => {
    const work = path.join(dir, 'work');
    await fs.mkdir(work);
    await fs.writeFile(path.join(work, 'gateway.json'), '{"port": 18789}\n');
    const snap = await takeSnapshot([path.join(work, 'gateway.json'), work], [], path.join(dir, 'before'));
    const candidate = path.join(work, '.gateway.clawback-check-0a1b2c3d.json');
    await fs.writeFile(candidate, '{"port": 0}\n'); // a validator still checking the agent's write
    await fs.writeFile(path.join(work, 'new.txt'), 'agent\n');
    expect((await createdSince(snap)).files).toEqual([path.join(work, 'new.txt')]);
    expect((await changesSince(snap)).map((c) => c.path)).toEqual([path.join(work, 'new.txt')]);
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted).toEqual([path.join(work, 'new.txt')]);
    expect(await fs.readFile(candidate, 'utf8')).toBe('{"port": 0}\n');
  });

  it('a listing cut at its bound never takes a file it did not list for one the agent created', async () => {
    const work = path.join(dir, 'work');
    for (const sub of ['a', 'b']) {
      await fs.mkdir(path.join(work, sub), { recursive: true });
      for (const n of [1, 2, 3]) await fs.writeFile(path.join(work, sub, `${n}.txt`), `${sub}${n}\n`);
    }
    // 4 entries: the top level (a, b) fits, a's three files do not: a and b stay unlisted.
    const snap = await takeSnapshot([work], [], path.join(dir, 'before'), { ...DEFAULT_SNAPSHOT_LIMITS, maxTreeEntries: 4 });
    expect(snap.tree?.unlisted).toEqual([path.join(work, 'a'), path.join(work, 'b')]);
    await fs.writeFile(path.join(work, 'new.txt'), 'agent\n');
    await fs.writeFile(path.join(work, 'a', 'new.txt'), 'agent, where nothing was listed\n');
    expect((await createdSince(snap)).files).toEqual([path.join(work, 'new.txt')]);
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted).toEqual([path.join(work, 'new.txt')]);
    for (const sub of ['a', 'b']) for (const n of [1, 2, 3]) expect(await fs.readFile(path.join(work, sub, `${n}.txt`), 'utf8')).toBe(`${sub}${n}\n`);
    expect(await fs.readFile(path.join(work, 'a', 'new.txt'), 'utf8')).toBe('agent, where nothing was listed\n');
    // The listing after the run was cut too (8 entries): said, not guessed at.
    expect(r.notReverted).toEqual([{ path: work, why: expect.stringContaining('files created beyond it were not looked for') }]);
  });

  it('excluded paths (the log, Clawback state inside the working directory) are neither copied nor undone', async () => {
    const work = path.join(dir, 'work');
    const state = path.join(work, 'state');
    const log = path.join(work, 'service.log');
    await fs.mkdir(state, { recursive: true });
    await fs.writeFile(log, 'line 1\n');
    await fs.writeFile(path.join(work, 'app.js'), 'a\n');
    const snap = await takeSnapshot([work], [state, log], path.join(dir, 'before'));
    expect(snap.entries.map((e) => e.path)).toEqual([path.join(work, 'app.js')]);
    await fs.appendFile(log, 'line 2\n');
    await fs.writeFile(path.join(state, 'heartbeat'), 'now\n');
    await fs.writeFile(path.join(work, 'app.js'), 'b\n');
    expect((await changesSince(snap)).map((c) => c.path)).toEqual([path.join(work, 'app.js')]);
    await revertSnapshot(snap, path.join(dir, 'after'));
    expect(await fs.readFile(log, 'utf8')).toBe('line 1\nline 2\n');
    expect(await fs.readFile(path.join(state, 'heartbeat'), 'utf8')).toBe('now\n');
    expect(await fs.readFile(path.join(work, 'app.js'), 'utf8')).toBe('a\n');
  });

  it('a file the agent deleted along with its directory comes back', async () => {
    const work = path.join(dir, 'work');
    await fs.mkdir(path.join(work, 'conf.d'), { recursive: true });
    await fs.writeFile(path.join(work, 'conf.d', 'extra.json'), '{}\n', { mode: 0o640 });
    const snap = await takeSnapshot([work], [], path.join(dir, 'before'));
    await fs.rm(path.join(work, 'conf.d'), { recursive: true });
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted).toEqual([path.join(work, 'conf.d', 'extra.json')]);
    expect(await fs.readFile(path.join(work, 'conf.d', 'extra.json'), 'utf8')).toBe('{}\n');
    expect((await fs.stat(path.join(work, 'conf.d', 'extra.json'))).mode & 0o777).toBe(0o640);
  });
});

describe('a damaged pre-run copy', () => {
  it('is never put back: the file stays as the agent left it and the report says why', async () => {
    const file = path.join(dir, 'gateway.json');
    await fs.writeFile(file, '{"port": 18789}\n');
    const snap = await takeSnapshot([file], [], path.join(dir, 'before'));
    await fs.writeFile(file, '{"port": "oops"}\n');
    await fs.writeFile(path.join(snap.dir, snap.entries[0]!.copy!), ''); // what a power cut can leave of a copy
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted).toEqual([]);
    expect(r.notReverted).toEqual([{ path: file, why: expect.stringContaining('missing or damaged') }]);
    expect(await fs.readFile(file, 'utf8')).toBe('{"port": "oops"}\n');
  });
});

describe('what a running process writes', () => {
  it('logs, databases, dependencies and version control are never walked: not copied, not put back, not removed', async () => {
    const work = path.join(dir, 'work');
    await fs.mkdir(path.join(work, 'node_modules', 'dep'), { recursive: true });
    await fs.mkdir(path.join(work, 'data'), { recursive: true });
    await fs.writeFile(path.join(work, 'node_modules', 'dep', 'index.js'), 'v1\n');
    await fs.writeFile(path.join(work, 'app.log'), 'line 1\n');
    await fs.writeFile(path.join(work, 'data', 'main.sqlite'), 'rows\n');
    await fs.writeFile(path.join(work, 'server.js'), 'a\n');
    const snap = await takeSnapshot([work], [], path.join(dir, 'before'));
    expect(snap.entries.map((e) => e.path)).toEqual([path.join(work, 'server.js')]);
    await fs.appendFile(path.join(work, 'app.log'), 'line 2\n');
    await fs.appendFile(path.join(work, 'data', 'main.sqlite'), 'more rows\n');
    await fs.writeFile(path.join(work, 'data', 'main.sqlite-wal'), 'wal\n');
    await fs.writeFile(path.join(work, 'node_modules', 'dep', 'index.js'), 'v2\n');
    expect(await changesSince(snap)).toEqual([]);
    await revertSnapshot(snap, path.join(dir, 'after'));
    expect(await fs.readFile(path.join(work, 'app.log'), 'utf8')).toBe('line 1\nline 2\n');
    expect(await fs.readFile(path.join(work, 'data', 'main.sqlite'), 'utf8')).toBe('rows\nmore rows\n');
    expect(await fs.readFile(path.join(work, 'data', 'main.sqlite-wal'), 'utf8')).toBe('wal\n');
    expect(await fs.readFile(path.join(work, 'node_modules', 'dep', 'index.js'), 'utf8')).toBe('v2\n');
  });

  it('a file a live process holds open for writing is left as it is and named with the process, changed or created', async () => {
    const work = path.join(dir, 'work');
    await fs.mkdir(path.join(work, 'data'), { recursive: true });
    const store = path.join(work, 'data', 'store.bin');
    const made = path.join(work, 'data', 'cache.bin');
    await fs.writeFile(store, 'before\n');
    const snap = await takeSnapshot([work], [], path.join(dir, 'before'));
    // The service, still running during the run, writes its store and creates a cache file; it keeps both open.
    const child = spawn(process.execPath, ['-e', `const fs = require('fs'); const a = fs.openSync(process.argv[1], 'r+'); fs.writeSync(a, 'written!\\n'); const b = fs.openSync(process.argv[2], 'w'); fs.writeSync(b, 'cache\\n'); console.log('ready'); setInterval(() => {}, 1000);`, store, made], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const seen = await openWriters([store, made]);
      expect(seen.get(store)).toEqual({ pid: child.pid, command: 'node' });
      const r = await revertSnapshot(snap, path.join(dir, 'after'));
      expect(r.reverted).toEqual([]);
      expect(r.notReverted.map((n) => n.path).sort()).toEqual([made, store].sort());
      expect(r.notReverted[0]!.why).toContain(`open for writing by pid ${child.pid}, node`);
      expect(await fs.readFile(store, 'utf8')).toBe('written!\n');
      expect(await fs.readFile(made, 'utf8')).toBe('cache\n');
    } finally {
      child.kill('SIGKILL');
    }
    // Once the process is gone, the same revert puts the file back and removes the created one.
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    const again = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(again.reverted.sort()).toEqual([made, store].sort());
    expect(await fs.readFile(store, 'utf8')).toBe('before\n');
  });

  it('reads the write flags of /proc fdinfo and lsof output', () => {
    expect(writableFlags('pos:\t0\nflags:\t0100002\nmnt_id:\t1\n')).toBe(true);
    expect(writableFlags('pos:\t0\nflags:\t02100001\n')).toBe(true);
    expect(writableFlags('pos:\t0\nflags:\t0100000\n')).toBe(false);
    const m = parseLsofWriters('p42\ncpostgres\nf3\nar\nn/srv/a.conf\nf4\nau\nn/srv/db.bin\np43\ncvim\nf5\naw\nn/srv/b.txt\n');
    expect([...m.entries()]).toEqual([
      ['/srv/db.bin', { pid: 42, command: 'postgres' }],
      ['/srv/b.txt', { pid: 43, command: 'vim' }],
    ]);
  });
});

describe('links the run put in place (a file or a directory swapped for a link to /etc/passwd, say)', () => {
  /** A service directory and, outside it, what a link may lead to (stands in for /etc). */
  async function layout() {
    const work = path.join(dir, 'work');
    const outside = path.join(dir, 'outside');
    await fs.mkdir(path.join(work, 'conf.d'), { recursive: true });
    await fs.mkdir(outside);
    await fs.writeFile(path.join(work, 'notes.txt'), 'service notes\n');
    await fs.writeFile(path.join(work, 'conf.d', 'extra.json'), '{"extra": true}\n');
    await fs.writeFile(path.join(outside, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    await fs.writeFile(path.join(outside, 'extra.json'), 'not the service\n');
    return { work, outside };
  }

  it('a file replaced by a link: the link is removed and the file put back in its place; the target is never written or diffed', async () => {
    const { work, outside } = await layout();
    const notes = path.join(work, 'notes.txt');
    const snap = await takeSnapshot([work], [], path.join(dir, 'before'));
    await fs.rm(notes);
    await fs.symlink(path.join(outside, 'passwd'), notes);
    const changes = await changesSince(snap);
    expect(changes).toEqual([expect.objectContaining({ path: notes, kind: 'modified' })]);
    expect(JSON.stringify(changes)).not.toContain('root:x:0:0');
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted).toEqual([notes]);
    expect(await fs.readFile(path.join(outside, 'passwd'), 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
    expect((await fs.lstat(notes)).isSymbolicLink()).toBe(false);
    expect(await fs.readFile(notes, 'utf8')).toBe('service notes\n');
  });

  it('a directory replaced by a link: nothing is written through it; the directory and its files come back', async () => {
    const { work, outside } = await layout();
    const snap = await takeSnapshot([work], [], path.join(dir, 'before'));
    await fs.rm(path.join(work, 'conf.d'), { recursive: true });
    await fs.symlink(outside, path.join(work, 'conf.d'));
    await revertSnapshot(snap, path.join(dir, 'after'));
    expect(await fs.readFile(path.join(outside, 'extra.json'), 'utf8')).toBe('not the service\n');
    expect((await fs.lstat(path.join(work, 'conf.d'))).isDirectory()).toBe(true);
    expect(await fs.readFile(path.join(work, 'conf.d', 'extra.json'), 'utf8')).toBe('{"extra": true}\n');
  });

  it('a config that did not exist, created as a link: the link is removed, never its target', async () => {
    const { work, outside } = await layout();
    const config = path.join(work, 'gateway.json');
    const snap = await takeSnapshot([config], [], path.join(dir, 'before'));
    await fs.symlink(path.join(outside, 'passwd'), config);
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted).toEqual([config]);
    expect(await fs.readFile(path.join(outside, 'passwd'), 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
    await expect(fs.lstat(config)).rejects.toThrow(/ENOENT/);
  });

  it("a user's own link replaced by a file: the link is restored and its target holds the pre-run bytes", async () => {
    const { work, outside } = await layout();
    const link = path.join(work, 'gateway.json');
    await fs.writeFile(path.join(outside, 'gateway.json'), '{"port": 18789}\n');
    await fs.symlink(path.join(outside, 'gateway.json'), link);
    const snap = await takeSnapshot([link, work], [], path.join(dir, 'before'));
    await fs.rm(link);
    await fs.writeFile(link, '{"port": "oops"}\n');
    await revertSnapshot(snap, path.join(dir, 'after'));
    expect(await fs.readlink(link)).toBe(path.join(outside, 'gateway.json'));
    expect(await fs.readFile(path.join(outside, 'gateway.json'), 'utf8')).toBe('{"port": 18789}\n');
  });
});

describe('permissions the run changed (chmod without an edit)', () => {
  async function layout() {
    const work = path.join(dir, 'work');
    await fs.mkdir(work);
    const config = path.join(work, 'gateway.json');
    const script = path.join(work, 'run.sh');
    await fs.writeFile(config, '{"apiToken": "sk-secret"}\n', { mode: 0o600 });
    await fs.writeFile(script, '#!/bin/sh\necho run\n', { mode: 0o755 });
    await fs.chmod(config, 0o600);
    await fs.chmod(script, 0o755);
    return { work, config, script };
  }
  const modeOf = async (f: string) => (await fs.stat(f)).mode & 0o7777;

  it('a secret config made world-readable and a script made unexecutable are reported and put back', async () => {
    const { work, config, script } = await layout();
    const snap = await takeSnapshot([config, work], [], path.join(dir, 'before'));
    await fs.chmod(config, 0o644);
    await fs.chmod(script, 0o000);
    const changes = await changesSince(snap);
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: config, kind: 'modified', diff: ['(mode 0600 -> 0644)'] }),
        expect.objectContaining({ path: script, kind: 'modified', diff: ['(mode 0755 -> 0000)'] }),
      ]),
    );
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted.sort()).toEqual([config, script].sort());
    expect(await modeOf(config)).toBe(0o600);
    expect(await modeOf(script)).toBe(0o755);
  });

  it('a mode changed after the agent ended is not the run\'s: kept and reported', async () => {
    const { work, config } = await layout();
    const snap = await takeSnapshot([config, work], [], path.join(dir, 'before'));
    const endModes = await fileModes(snap);
    await fs.chmod(config, 0o640); // a person, during the verification
    const r = await revertSnapshot(snap, path.join(dir, 'after'), {}, { endModes });
    expect(r.keptChangedAfterAgent).toEqual([config]);
    expect(await modeOf(config)).toBe(0o640);
  });

  // The daemon runs as root, the service's files are a user's: an agent's chown (same bytes) locks the service out.
  const ownerOf = async (f: string) => {
    const st = await fs.stat(f);
    return `${st.uid}:${st.gid}`;
  };

  it('a config chowned by the run (same bytes) is reported and given its owner back, its set-id bits kept', async () => {
    const { work, config, script } = await layout();
    await fs.chown(config, 4242, 4243);
    await fs.chown(script, 4242, 4243);
    await fs.chmod(script, 0o4755);
    const snap = await takeSnapshot([config, work], [], path.join(dir, 'before'));
    await fs.chown(config, 0, 0);
    await fs.chown(script, 0, 4243);
    const changes = await changesSince(snap);
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: config, kind: 'modified', diff: ['(owner 4242:4243 -> 0:0)'] }),
        expect.objectContaining({ path: script, kind: 'modified', diff: ['(mode 4755 -> 0755, owner 4242:4243 -> 0:4243)'] }),
      ]),
    );
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted.sort()).toEqual([config, script].sort());
    expect(await ownerOf(config)).toBe('4242:4243');
    expect(await ownerOf(script)).toBe('4242:4243');
    expect(await modeOf(config)).toBe(0o600);
    expect(await modeOf(script)).toBe(0o4755);
  });

  it("an owner changed after the agent ended is not the run's: kept and reported", async () => {
    const { work, config } = await layout();
    await fs.chown(config, 4242, 4243);
    const snap = await takeSnapshot([config, work], [], path.join(dir, 'before'));
    const endModes = await fileModes(snap);
    const endOwners = await fileOwners(snap);
    await fs.chown(config, 4244, 4243); // a person, during the verification
    const r = await revertSnapshot(snap, path.join(dir, 'after'), {}, { endModes, endOwners });
    expect(r.keptChangedAfterAgent).toEqual([config]);
    expect(await ownerOf(config)).toBe('4244:4243');
  });

  it('a file with a second name (a hard link) edited in place by the run is put back in place: every name gets its bytes, owner and mode', async () => {
    const { work, config } = await layout();
    await fs.chown(config, 4242, 4243);
    const other = path.join(dir, 'config-backup.json'); // outside the allowed directory: the user's second name
    await fs.link(config, other);
    const snap = await takeSnapshot([config, work], [], path.join(dir, 'before'));
    await fs.writeFile(config, '{"apiToken": "broken"}\n');
    await fs.chmod(config, 0o644);
    const r = await revertSnapshot(snap, path.join(dir, 'after'));
    expect(r.reverted).toEqual([config]);
    const [a, b] = await Promise.all([fs.stat(config), fs.stat(other)]);
    expect(a.ino).toBe(b.ino);
    expect(a.nlink).toBe(2);
    expect(await fs.readFile(other, 'utf8')).toBe('{"apiToken": "sk-secret"}\n');
    expect(await ownerOf(config)).toBe('4242:4243');
    expect(await modeOf(config)).toBe(0o600);
  });
});
