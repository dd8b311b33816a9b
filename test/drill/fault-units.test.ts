// The pieces of the dependency-down and disk-full drills on their own: when filling is refused (real dirs and a real tmpfs), how long an outage lasts, the catalogue and chaos defaults, the demo gateway's new config keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnMarked } from '../helpers/processes.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { diskFillRefusal, fillDisk, fillRefusal, MAX_FILL_BYTES } from '../../src/drill/disk-fill.js';
import { outageHoldMs, readinessUrlOf } from '../../src/drill/demo-gateway-settings.js';
import { SCENARIO_NAMES } from '../../src/drill/scenario-catalog.js';
import { defaultChaosKinds } from '../../src/drill/run-chaos.js';
import { neededHuman } from '../../src/drill/chaos-result.js';
import type { ServiceConfig } from '../../src/config/schema.js';

describe('fillRefusal (pure)', () => {
  const ok = { dev: 7, parentDev: 3, stateDev: 3, totalBytes: 16 * 1048576 };
  it('allows a small filesystem of its own that the daemon does not write to', () => {
    expect(fillRefusal('/d', ok)).toBeUndefined();
  });
  it('refuses the daemon state dir filesystem, a dir that is no mount point, and a big filesystem, each with the fix', () => {
    expect(fillRefusal('/d', { ...ok, stateDev: 7 })).toContain("same filesystem as the daemon's state dir");
    expect(fillRefusal('/d', { ...ok, parentDev: 7 })).toContain('not a filesystem of its own');
    expect(fillRefusal('/d', { ...ok, totalBytes: MAX_FILL_BYTES + 4096 })).toContain('more than the 512 MiB');
    expect(fillRefusal('/d', { ...ok, parentDev: 7 })).toContain('mount -t tmpfs -o size=16m tmpfs /d');
  });
});

describe('diskFillRefusal and fillDisk on a real tmpfs', () => {
  let disk: SmallDisk;
  let stateDir: string;
  beforeAll(() => {
    disk = mountSmallDisk('1m');
    stateDir = tempDir('clawback-fill-state-');
  });
  afterAll(() => disk?.unmount());

  it('the tmpfs mount point may be filled; a plain dir and a dir inside the mount may not', () => {
    expect(diskFillRefusal(disk.dir, stateDir)).toBeUndefined();
    const plain = tempDir('clawback-fill-plain-');
    expect(diskFillRefusal(plain, path.join(disk.dir))).toContain('not a filesystem of its own');
    const inner = path.join(disk.dir, 'inner');
    mkdirSync(inner);
    expect(diskFillRefusal(inner, stateDir)).toContain('not a filesystem of its own');
    expect(diskFillRefusal(path.join(disk.dir, 'missing'), stateDir)).toContain('cannot inspect');
  });

  it('fills to the last byte, then frees (idempotent)', () => {
    const f = fillDisk(disk.dir);
    expect(disk.available()).toBeLessThan(4096);
    expect(f.bytes).toBeGreaterThan(900 * 1024);
    f.free();
    f.free();
    expect(readdirSync(disk.dir).filter((n) => n.startsWith('.clawback-drill-fill'))).toEqual([]);
    expect(disk.available()).toBeGreaterThan(900 * 1024);
  });

  it('a drill SIGKILLed while the disk is full leaves no filler behind: the space comes back with the process', async () => {
    // The built module (npm run build), in a real process of its own, as the drill runs it.
    const mod = JSON.stringify(fileURLToPath(new URL('../../dist/drill/disk-fill.js', import.meta.url)));
    const child = spawnMarked(NODE, ['--input-type=module', '-e', `const { fillDisk } = await import(${mod}); fillDisk(${JSON.stringify(disk.dir)}); console.log('full'); setInterval(() => {}, 1000);`]);
    try {
      await child.waitForStdout('full', 20_000);
      expect(disk.available()).toBeLessThan(4096);
      process.kill(child.pid, 'SIGKILL');
      await child.waitForExit(20_000);
      expect(readdirSync(disk.dir).filter((n) => n.startsWith('.clawback-drill-fill'))).toEqual([]);
      expect(disk.available()).toBeGreaterThan(900 * 1024);
    } finally {
      child.kill();
    }
  }, 60_000);
});

describe('outage length, readiness URL, catalogue', () => {
  const svc = (probes: Array<{ action: string; interval: number; failureThreshold: number; timeout: number }>) => ({ probes }) as unknown as ServiceConfig;
  it('holds 3x the slowest restarting probe judgement, between 5 s and 60 s; notify probes do not count', () => {
    expect(outageHoldMs(svc([{ action: 'restart', interval: 1000, failureThreshold: 3, timeout: 1000 }]))).toBe(12_000);
    expect(outageHoldMs(svc([{ action: 'restart', interval: 300, failureThreshold: 2, timeout: 500 }]))).toBe(5000);
    expect(outageHoldMs(svc([{ action: 'restart', interval: 10_000, failureThreshold: 3, timeout: 5000 }, { action: 'notify', interval: 60_000, failureThreshold: 9, timeout: 0 }]))).toBe(60_000);
  });
  it('finds /readyz beside the health check', () => {
    expect(readinessUrlOf({ kind: 'http', url: 'http://127.0.0.1:8080/health' })).toBe('http://127.0.0.1:8080/readyz');
    expect(readinessUrlOf({ kind: 'tcp', host: '127.0.0.1', port: 9 })).toBe('http://127.0.0.1:9/readyz');
    expect(readinessUrlOf({ kind: 'status' })).toBeUndefined();
  });
  it('chaos picks the new kinds and slow-start by default; only nuclear is left out', () => {
    const kinds = defaultChaosKinds(SCENARIO_NAMES);
    expect(kinds).toEqual(expect.arrayContaining(['dependency-down', 'disk-full', 'slow-start']));
    expect(SCENARIO_NAMES.filter((k) => !kinds.includes(k))).toEqual(['nuclear']);
  });
  it('a dependency that came back is no human; a freed disk is', () => {
    expect(neededHuman({ recovered: true, recoverFrom: 'return', level: null })).toBe(false);
    expect(neededHuman({ recovered: true, recoverFrom: 'release', level: null })).toBe(true);
  });
});

describe('the demo gateway config: dependency and dataDir', () => {
  const check = (cfg: object): { code: number; err: string } => {
    const file = path.join(tempDir('clawback-gw-cfg-'), 'gw.json');
    writeFileSync(file, JSON.stringify(cfg));
    try {
      execFileSync(NODE, [DEMO_GATEWAY_SERVER, '--check-config', file], { stdio: 'pipe', env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
      return { code: 0, err: '' };
    } catch (e) {
      const x = e as { status: number; stderr: Buffer };
      return { code: x.status, err: x.stderr.toString() };
    }
  };
  it('accepts a dependency URL and a data dir; names the field, value and expectation when wrong (exit 78)', () => {
    expect(check({ dependency: { url: 'http://127.0.0.1:1/', intervalMs: 200 }, dataDir: 'data' }).code).toBe(0);
    const a = check({ dependency: { url: 'not a url' } });
    expect(a.code).toBe(78);
    expect(a.err).toContain('dependency.url: expected an http(s) URL, got "not a url"');
    expect(check({ dependency: { url: 'http://x/', every: 1 } }).err).toContain('dependency.every: unknown key');
    expect(check({ dependency: { url: 'http://x/', intervalMs: 5 } }).err).toContain('dependency.intervalMs: expected an integer 50-60000, got 5');
    expect(check({ dataDir: '' }).err).toContain('dataDir: expected a non-empty path, got ""');
  });
});
