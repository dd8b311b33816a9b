import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { readLastPid, readProcStat } from '../../src/platform/proc.js';
import { ProcessTable } from '../../src/platform/process-table.js';
import { FakeClock } from '../../src/platform/clock.js';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { TREE_MAX_AGE_MS, TREE_REFRESH_MS, createMemoryProbe } from '../../src/probes/memory-probe.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const MB = 1024 * 1024;
const children: MarkedChild[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000);
  }
});

/** A child that starts a grandchild holding ~40 MiB; resolves with the grandchild's pid. */
async function treeWithGrandchild(): Promise<{ child: MarkedChild; grandchild: number }> {
  const grandchild = `const b = Buffer.alloc(40 * 1024 * 1024, 1); console.log('held', b.length); setInterval(() => {}, 1000);`;
  const script = `
    const { spawn } = require('node:child_process');
    const g = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: ['ignore', 'inherit', 'inherit'] });
    console.log('grandchild', g.pid);
    setInterval(() => {}, 1000);`;
  const child = spawnMarked(process.execPath, ['-e', script]);
  children.push(child);
  await child.waitForStdout('held', 10_000);
  const m = /grandchild (\d+)/.exec(child.stdout());
  return { child, grandchild: Number(m![1]) };
}

/** Targets of this process's open descriptors that are statm files. */
function openStatmFds(): string[] {
  return openFdTargets().filter((t) => /^\/proc\/\d+\/statm$/.test(t));
}

function openFdsTo(target: string): number {
  return openFdTargets().filter((t) => t === target).length;
}

function openFdTargets(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed while listing (the readdir's own descriptor)
    }
  }
  return out;
}

describe('shared process table', () => {
  it('one /proc scan answers every memory probe until it is stale (the scan path, as on kernels without children files)', async () => {
    const a = await treeWithGrandchild();
    const b = await treeWithGrandchild();
    const clock = new FakeClock(0);
    const table = new ProcessTable(clock, { useChildrenFiles: false });
    expect(table.treeMembers(a.child.pid)).toEqual([a.child.pid, a.grandchild]);
    expect(table.treeMembers(b.child.pid)).toEqual([b.child.pid, b.grandchild]);
    expect(table.scans).toBe(1);
    // Twenty memory probes, two ticks each within the table's age: still one scan.
    const probes = Array.from({ length: 20 }, () =>
      createMemoryProbe(probeSchema.parse({ kind: 'memory', limit: '4GiB' }) as ProbeConfigOf<'memory'>, { clock, processTable: table }),
    );
    for (let tick = 0; tick < 2; tick++) {
      for (const [i, p] of probes.entries()) {
        const r = await p.check({ pid: (i % 2 ? a : b).child.pid, startedAt: 0 }, AbortSignal.timeout(2000));
        expect(r.status).toBe('success');
        expect(r.value).toBeGreaterThan(40 * MB);
      }
      clock.advance(500);
    }
    expect(table.scans).toBe(1);
    clock.advance(2000);
    table.treeMembers(a.child.pid);
    expect(table.scans).toBe(2);
  });

  it('reads RSS from statm like /proc/<pid>/stat does; gone and unknown pids are 0', async () => {
    const a = await treeWithGrandchild();
    const table = new ProcessTable(new FakeClock(0));
    const viaStat = readProcStat(a.grandchild)!.rssBytes;
    const viaStatm = table.rssBytes(a.grandchild);
    expect(Math.abs(viaStatm - viaStat)).toBeLessThan(4 * MB);
    expect(viaStatm).toBeGreaterThan(40 * MB);
    // The children-file path (where the kernel has it) and the scan path agree.
    expect(new Set(table.treeMembers(a.child.pid))).toEqual(new Set(new ProcessTable(new FakeClock(0), { useChildrenFiles: false }).treeMembers(a.child.pid)));
    a.child.kill();
    await a.child.waitForExit(5000);
    await waitFor(() => table.rssBytes(a.child.pid) === 0, { timeoutMs: 5000, message: 'gone child reads 0' });
    expect(table.rssBytes(2 ** 22 + 12345)).toBe(0);
  });

  it('keeps one statm descriptor per process: later reads open nothing, a reaped process reads 0 and its descriptor goes', async () => {
    const a = await treeWithGrandchild();
    const b = await treeWithGrandchild();
    const clock = new FakeClock(0);
    const table = new ProcessTable(clock);
    const pids = [a.child.pid, a.grandchild, b.child.pid, b.grandchild];
    for (let tick = 0; tick < 5; tick++) {
      for (const pid of pids) expect(table.rssBytes(pid)).toBeGreaterThan(0);
      clock.advance(500);
    }
    expect(table.statmOpens).toBe(4);
    const mine = (): string[] => openStatmFds().filter((t) => pids.some((p) => t === `/proc/${p}/statm`));
    expect(mine().sort()).toEqual(pids.map((p) => `/proc/${p}/statm`).sort());
    // The value read through a kept descriptor is fresh, not the one read at open: it tracks /proc/<pid>/stat.
    expect(Math.abs(table.rssBytes(a.grandchild) - readProcStat(a.grandchild)!.rssBytes)).toBeLessThan(4 * MB);

    a.child.kill();
    await a.child.waitForExit(5000);
    expect(table.rssBytes(a.child.pid)).toBe(0);
    expect(mine()).not.toContain(`/proc/${a.child.pid}/statm`);

    // Not read for 10 s (its probe stopped, or it left the tree): closed at the next read of any pid.
    clock.advance(10_000);
    table.rssBytes(b.child.pid);
    expect(mine()).toEqual([`/proc/${b.child.pid}/statm`]);
    table.close();
    expect(mine()).toEqual([]);
    expect(table.keptDescriptors).toBe(0);
    // Still usable after close (a reload may read again): it opens afresh.
    expect(table.rssBytes(b.child.pid)).toBeGreaterThan(0);
    table.close();
  });

  it('reads the newest pid through one kept /proc/loadavg descriptor, and it still moves when a process is created', () => {
    const clock = new FakeClock(0);
    const table = new ProcessTable(clock);
    const before = openFdsTo('/proc/loadavg');
    const first = table.spawnMark();
    expect(first).toBeGreaterThan(0);
    spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
    clock.advance(100);
    // Other test files create processes meanwhile: the mark lies between two reads taken around it (or pids wrapped).
    const lo = readLastPid()!;
    const second = table.spawnMark()!;
    const hi = readLastPid()!;
    expect(second).not.toBe(first);
    expect((second >= lo && second <= hi) || hi < lo).toBe(true);
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      table.spawnMark();
    }
    expect(openFdsTo('/proc/loadavg')).toBe(before + 1);
    table.close();
    expect(openFdsTo('/proc/loadavg')).toBe(before);
  });

  it('a new root the last scan missed triggers a rescan (bounded to one per 250 ms)', async () => {
    const clock = new FakeClock(0);
    const table = new ProcessTable(clock, { useChildrenFiles: false });
    table.treeMembers(process.pid);
    expect(table.scans).toBe(1);
    const a = await treeWithGrandchild();
    expect(table.treeMembers(a.child.pid)).toEqual([]); // too soon after the last scan
    clock.advance(300);
    expect(table.treeMembers(a.child.pid)).toEqual([a.child.pid, a.grandchild]);
    expect(table.scans).toBe(2);
  });
});

describe('tree membership reuse (the spawn mark)', () => {
  const memoryProbe = (clock: FakeClock, table: ProcessTable) =>
    createMemoryProbe(probeSchema.parse({ kind: 'memory', limit: '4GiB' }) as ProbeConfigOf<'memory'>, { clock, processTable: table });

  it('reads the newest pid from /proc/loadavg, and it moves when a process is created', async () => {
    const before = readLastPid();
    expect(before).toBeGreaterThan(0);
    const c = spawnMarked(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    children.push(c);
    expect(readLastPid()).not.toBe(before);
  });

  it('walks the tree again only when a process was created since the last walk, and every 10 s regardless', () => {
    const clock = new FakeClock(0);
    let mark = 100;
    const table = new ProcessTable(clock, { useChildrenFiles: true, lastPid: () => mark });
    const probe = memoryProbe(clock, table);
    const target = { pid: process.pid, startedAt: 0 };
    probe.checkSync!(target);
    expect(table.walks).toBe(1);
    // Nothing created: 9.5 s of ticks every 500 ms reuse the membership.
    for (let t = 0; t < 19; t++) {
      clock.advance(500);
      expect(probe.checkSync!(target).status).toBe('success');
    }
    expect(table.walks).toBe(1);
    // A process was created somewhere: the next refresh walks once, then reuse again.
    mark = 101;
    clock.advance(500);
    probe.checkSync!(target);
    expect(table.walks).toBe(2);
    for (let t = 0; t < 8; t++) {
      clock.advance(500);
      probe.checkSync!(target);
    }
    expect(table.walks).toBe(2);
    // The backstop: a member reparented away would otherwise be counted for ever.
    clock.advance(TREE_MAX_AGE_MS);
    probe.checkSync!(target);
    expect(table.walks).toBe(3);
    // A new root (the service restarted) is walked at once.
    probe.checkSync!({ pid: process.ppid, startedAt: 0 });
    expect(table.walks).toBe(4);
  });

  it('a child started after the first walk is counted at the next refresh (real processes, real mark)', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      console.log('ready');
      setTimeout(() => {
        const g = spawn(process.execPath, ['-e', 'const b = Buffer.alloc(80 * 1024 * 1024, 1); console.log("held", b.length); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'inherit', 'inherit'] });
        console.log('grandchild', g.pid);
      }, 1500);
      setInterval(() => {}, 1000);`;
    const child = spawnMarked(process.execPath, ['-e', script]);
    children.push(child);
    await child.waitForStdout('ready', 10_000);
    const clock = new FakeClock(0);
    const table = new ProcessTable(clock);
    const probe = memoryProbe(clock, table);
    const target = { pid: child.pid, startedAt: 0 };
    const alone = probe.checkSync!(target).value!;
    expect(alone).toBeLessThan(70 * MB);
    await child.waitForStdout('held', 10_000);
    clock.advance(TREE_REFRESH_MS);
    // Summed RSS: a tree of several processes is valued by PSS, which splits the pages the two node processes share.
    const withGrandchild = probe.checkSync!(target).details!['rssBytes'] as number;
    expect(withGrandchild).toBeGreaterThan(alone + 75 * MB);
  });
});
