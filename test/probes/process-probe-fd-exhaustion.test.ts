// The process probe of a daemon out of file descriptors: /proc/<pid>/stat cannot be opened, which is not the service
// gone. The failure is injected at the edge (node:fs reads of /proc fail with EMFILE while the switch is on).
import { afterEach, describe, expect, it, vi } from 'vitest';

const fault = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((p: unknown, ...rest: unknown[]) => {
    if (fault.on && String(p).startsWith('/proc')) throw Object.assign(new Error(`EMFILE: too many open files, open '${String(p)}'`), { code: 'EMFILE' });
    return (fs.readFileSync as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const { createProcessProbe } = await import('../../src/probes/process-probe.js');
const { probeSchema } = await import('../../src/probes/probe-schema.js');
const { spawnMarked } = await import('../helpers/processes.js');
const { FIXTURES, NODE } = await import('../helpers/daemon.js');
type ProcessConfig = import('../../src/probes/probe-schema.js').ProbeConfigOf<'process'>;

afterEach(() => {
  fault.on = false;
});

describe('process probe while /proc cannot be read', () => {
  it('is unknown for a live process (never "does not exist", which restarted every healthy service), down once it is gone', async () => {
    const probe = createProcessProbe(probeSchema.parse({ kind: 'process' }) as ProcessConfig);
    const child = spawnMarked(NODE, [`${FIXTURES}sleeper.mjs`]);
    try {
      await child.waitForStdout('ready', 20_000);
      fault.on = true;
      const r = await probe.check({ pid: child.pid, startedAt: Date.now() }, new AbortController().signal);
      expect(r.status).toBe('unknown');
      expect(r.message).toContain('out of file descriptors');
      // The test's own kill checks /proc that the pid is still its child, so it runs with the fault off.
      fault.on = false;
      child.kill();
      await child.waitForExit(5000);
      fault.on = true;
      // Gone for real: the signal finds no process, so the probe needs no /proc to say so.
      const gone = await probe.check({ pid: child.pid, startedAt: Date.now() }, new AbortController().signal);
      expect(gone.status).toBe('failure');
      expect(gone.finding).toBe('down');
    } finally {
      fault.on = false;
      child.kill();
    }
  });
});
