// A start-up read of the outbox removed every temp file it found, a live writer's too: that writer's rename then failed
// (ENOENT) and its alert or bookkeeping was lost. Only temps whose writer is gone are removed now.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Outbox } from '../../src/notify/outbox.js';
import { spawnMarked, killTree, pidRef, type MarkedChild } from '../helpers/processes.js';
import { removeDir, tempStateDir } from './helpers.js';

const ENTRY = (seq: number): string =>
  JSON.stringify({ v: 1, seq, channel: 'webhook', kind: 'event', createdAt: Date.now(), event: { type: 'crash', time: Date.now(), service: 's', message: 'm' } });

/** A writer in another process: writes its temp file, waits for `go`, then renames it into place (or says it could not). */
const WRITER = `
const fs = require('node:fs');
const [dir, go, seq, body] = process.argv.slice(1);
const name = String(seq).padStart(12, '0') + '.json';
const tmp = dir + '/.' + name + '.' + process.pid + '.abcd1234.tmp';
fs.writeFileSync(tmp, body);
console.log('written ' + tmp);
const t = setInterval(() => {
  if (!fs.existsSync(go)) return;
  clearInterval(t);
  try { fs.renameSync(tmp, dir + '/' + name); console.log('renamed'); } catch (e) { console.log('rename failed: ' + e.code); }
}, 20);
setTimeout(() => process.exit(0), 60000);
`;

describe('outbox start-up and temp files of writers', () => {
  let dir: string;
  const children: MarkedChild[] = [];
  beforeEach(async () => {
    dir = await tempStateDir();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (!c.exitInfo()) killTree(pidRef(c.pid));
    await removeDir(dir);
  });

  it("leaves a live writer's temp file alone, so its write lands and the alert is loaded next time", async () => {
    const box = path.join(dir, 'outbox');
    const cdir = path.join(box, 'webhook');
    mkdirSync(cdir, { recursive: true });
    const go = path.join(dir, 'go');
    const writer = spawnMarked(process.execPath, ['-e', WRITER, cdir, go, '7', ENTRY(7)]);
    children.push(writer);
    await writer.waitForStdout(/written/);

    const first = new Outbox(box).loadSync();
    expect(first.byChannel.get('webhook') ?? []).toHaveLength(0);

    writeFileSync(go, '');
    const said = await writer.waitForStdout(/renamed|rename failed/);
    expect(said).toContain('renamed');
    const second = new Outbox(box).loadSync();
    expect(second.byChannel.get('webhook')?.map((e) => e.seq)).toEqual([7]);
  });

  it('removes the temp file of a writer that died mid-write, and an old one of a former process with this pid', async () => {
    const box = path.join(dir, 'outbox');
    const cdir = path.join(box, 'webhook');
    mkdirSync(cdir, { recursive: true });
    const writer = spawnMarked(process.execPath, ['-e', 'require("node:fs").writeFileSync(process.argv[1] + "/.000000000003.json." + process.pid + ".00ff00ff.tmp", "{")', cdir]);
    children.push(writer);
    expect((await writer.exited).code).toBe(0);
    // A daemon given the same pid after a restart (a container): the temp predates this process.
    const own = path.join(cdir, `.000000000004.json.${process.pid}.0a0b0c0d.tmp`);
    writeFileSync(own, '{');
    const long = new Date(Date.now() - process.uptime() * 1000 - 3_600_000);
    utimesSync(own, long, long);
    // This process's own write under way (a notifier a reload replaced): kept.
    const current = path.join(cdir, `.000000000005.json.${process.pid}.01020304.tmp`);
    writeFileSync(current, '{');

    new Outbox(box).loadSync();
    const left = readdirSync(cdir);
    expect(left.filter((f) => f.includes('000000000003'))).toEqual([]);
    expect(existsSync(own)).toBe(false);
    expect(existsSync(current)).toBe(true);
  });
});
