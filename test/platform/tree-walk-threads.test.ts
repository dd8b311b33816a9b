// The children-file tree walk: children forked from a non-main thread, several per parent, and a root that is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { treeMembers, treeRssBytes, readProcStat } from '../../src/platform/proc.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const children: MarkedChild[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000);
  }
});

describe('treeMembers (children files)', () => {
  it('finds two children forked by a worker thread and one by the main thread, and the worker child’s own child', async () => {
    const worker = `
      const { spawn } = require('node:child_process');
      const { parentPort } = require('node:worker_threads');
      const inner = "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log('gc', c.pid); setInterval(() => {}, 1000);";
      const a = spawn(process.execPath, ['-e', inner], { stdio: ['ignore', 'pipe', 'inherit'] });
      a.stdout.on('data', (d) => parentPort.postMessage('w ' + a.pid + ' ' + String(d).trim()));
      const b = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      parentPort.postMessage('w2 ' + b.pid);
      setInterval(() => {}, 1000);`;
    const script = `
      const { Worker } = require('node:worker_threads');
      const { spawn } = require('node:child_process');
      const m = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log('main', m.pid);
      const w = new Worker(${JSON.stringify(worker)}, { eval: true });
      w.on('message', (s) => console.log(s));
      setInterval(() => {}, 1000);`;
    const root = spawnMarked(process.execPath, ['-e', script]);
    children.push(root);
    await root.waitForStdout('gc ', 15_000);
    await root.waitForStdout('w2 ', 15_000);
    const out = root.stdout();
    const main = Number(/main (\d+)/.exec(out)![1]);
    const [, a, gc] = /w (\d+) gc (\d+)/.exec(out)!.map(Number);
    const b = Number(/w2 (\d+)/.exec(out)![1]);
    // The worker's children are listed in the worker thread's children file, not the main thread's.
    const mainChildren = readFileSync(`/proc/${root.pid}/task/${root.pid}/children`, 'utf8');
    expect(mainChildren.split(' ').map(Number)).not.toContain(a);
    expect(readdirSync(`/proc/${root.pid}/task`).length).toBeGreaterThan(1);

    const members = treeMembers(root.pid!);
    expect(members[0]).toBe(root.pid);
    expect([...members].sort((x, y) => x - y)).toEqual([root.pid!, main, a!, b, gc!].sort((x, y) => x - y));
    const rss = [root.pid!, main, a!, b, gc!].reduce((s, p) => s + (readProcStat(p)?.rssBytes ?? 0), 0);
    // Same members summed (RSS moves a little between reads: within 10 %).
    expect(Math.abs(treeRssBytes(root.pid!) - rss)).toBeLessThan(rss * 0.1);
  });

  it('a root that is gone has no members', async () => {
    const c = spawnMarked(process.execPath, ['-e', '0']);
    await c.waitForExit(10_000);
    expect(treeMembers(c.pid!)).toEqual([]);
    expect(treeRssBytes(c.pid!)).toBe(0);
  });
});
