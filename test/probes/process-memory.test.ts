import { afterEach, describe, expect, it } from 'vitest';
import { readProcStat, treeRssBytes } from '../../src/platform/proc.js';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createProcessProbe } from '../../src/probes/process-probe.js';
import { createMemoryProbe, memoryResult } from '../../src/probes/memory-probe.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const MB = 1024 * 1024;
let child: MarkedChild | undefined;

afterEach(async () => {
  if (child) {
    try {
      process.kill(child.pid, 'SIGCONT');
    } catch {
      // gone
    }
    child.kill();
    await child.waitForExit(5000);
    child = undefined;
  }
});

const signal = (): AbortSignal => AbortSignal.timeout(2000);

describe('process probe', () => {
  const probe = createProcessProbe(probeSchema.parse({ kind: 'process' }) as ProbeConfigOf<'process'>);

  it('running is a success, SIGSTOP is a failure "stopped", dead is "down", no pid is unknown', async () => {
    child = spawnMarked(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const target: ProbeTarget = { pid: child.pid, startedAt: Date.now() };
    expect((await probe.check(target, signal())).status).toBe('success');

    process.kill(child.pid, 'SIGSTOP');
    await waitFor(() => readProcStat(child!.pid)?.state === 'T', { timeoutMs: 5000, message: 'state T' });
    expect(await probe.check(target, signal())).toMatchObject({ status: 'failure', finding: 'stopped' });
    process.kill(child.pid, 'SIGCONT');
    await waitFor(() => readProcStat(child!.pid)?.state !== 'T', { timeoutMs: 5000, message: 'state not T' });
    expect((await probe.check(target, signal())).status).toBe('success');

    child.kill();
    await child.waitForExit(5000);
    expect(await probe.check(target, signal())).toMatchObject({ status: 'failure', finding: 'down' });
    expect((await probe.check({ pid: undefined, startedAt: undefined }, signal())).status).toBe('unknown');
  });
});

describe('memory probe', () => {
  it('measures the whole tree, grandchild included', async () => {
    // The child starts a grandchild that holds ~80 MiB of touched memory.
    const grandchild = `const b = Buffer.alloc(80 * 1024 * 1024, 1); console.log('held', b.length); setInterval(() => {}, 1000);`;
    const script = `
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: ['ignore', 'inherit', 'inherit'] });
      console.log('grandchild', g.pid);
      setInterval(() => {}, 1000);`;
    child = spawnMarked(process.execPath, ['-e', script]);
    await child.waitForStdout('held', 10_000);
    const target: ProbeTarget = { pid: child.pid, startedAt: Date.now() };
    const selfRss = readProcStat(child.pid)!.rssBytes;
    const tree = treeRssBytes(child.pid);
    expect(tree).toBeGreaterThan(selfRss + 70 * MB);

    const limitProbe = createMemoryProbe(probeSchema.parse({ kind: 'memory', limit: selfRss + 40 * MB }) as ProbeConfigOf<'memory'>);
    const over = await limitProbe.check(target, signal());
    expect(over).toMatchObject({ status: 'failure', finding: 'memory-limit' });
    expect(over.details?.['rssBytes']).toBeGreaterThan(selfRss + 70 * MB);
    // Judged by PSS (two processes over the limit): the grandchild's 80 MiB are its own, counted in full.
    expect(over.value).toBeGreaterThan(80 * MB);

    const warnProbe = createMemoryProbe(probeSchema.parse({ kind: 'memory', warn: '40MiB', limit: '4GiB' }) as ProbeConfigOf<'memory'>);
    expect(await warnProbe.check(target, signal())).toMatchObject({ status: 'success', finding: 'memory-warn' });

    const roomy = createMemoryProbe(probeSchema.parse({ kind: 'memory', limit: '8GiB' }) as ProbeConfigOf<'memory'>);
    const fine = await roomy.check(target, signal());
    expect(fine.status).toBe('success');
    expect(fine.finding).toBeUndefined();

    // Cheap enough for a 1 s interval.
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) treeRssBytes(child.pid);
    expect((performance.now() - t0) / 20).toBeLessThan(100);

    child.kill();
    await child.waitForExit(5000);
    expect((await roomy.check(target, signal())).status).toBe('unknown');
  });

  it('forked workers sharing their parent\'s pages are judged by PSS, not by RSS counted once per worker', async () => {
    // A prefork server's shape with /bin/sh only: a shell holding ~60 MB forks three subshells that share it.
    child = spawnMarked('/bin/sh', ['-c', 'x=$(head -c 60000000 /dev/zero | tr "\\0" a); for i in 1 2 3; do (while :; do sleep 1000; done) & done; echo ready; wait']);
    await child.waitForStdout('ready', 20_000);
    const target: ProbeTarget = { pid: child.pid, startedAt: Date.now() };
    const rss = await waitFor(() => {
      const t = treeRssBytes(child!.pid);
      return t > 200 * MB ? t : undefined;
    }, { timeoutMs: 10_000, message: 'four processes mapping the 60 MB' });
    // Summed RSS says over 200 MB; the memory in use is about 60 MB.
    const probe = createMemoryProbe(probeSchema.parse({ kind: 'memory', warn: '100MiB', limit: '150MiB' }) as ProbeConfigOf<'memory'>);
    const r = await probe.check(target, signal());
    expect(r).toMatchObject({ status: 'success' });
    expect(r.finding).toBeUndefined();
    expect(r.value).toBeLessThan(100 * MB);
    expect(r.details?.['rssBytes']).toBeGreaterThan(rss * 0.9);
    expect(r.details?.['pssBytes']).toBe(r.value);
    // A limit under the real use is still a failure.
    const tight = createMemoryProbe(probeSchema.parse({ kind: 'memory', limit: '30MiB' }) as ProbeConfigOf<'memory'>);
    expect(await tight.check(target, signal())).toMatchObject({ status: 'failure', finding: 'memory-limit' });
  });

  it('pure verdicts', () => {
    expect(memoryResult(10, 20, 30)).toMatchObject({ status: 'success', value: 10 });
    expect(memoryResult(25, 20, 30)).toMatchObject({ status: 'success', finding: 'memory-warn' });
    expect(memoryResult(31, 20, 30)).toMatchObject({ status: 'failure', finding: 'memory-limit' });
    expect(memoryResult(31, 20, undefined)).toMatchObject({ status: 'success', finding: 'memory-warn' });
    expect(memoryResult(31, 20, 30, 25)).toMatchObject({ status: 'success', finding: 'memory-warn', value: 25, details: { rssBytes: 31, pssBytes: 25 } });
  });
});
