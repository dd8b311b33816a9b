// The guardian's report on a full state disk (real tmpfs, real CLI): its errors read "probeServices: ENOSPC: no space
// left on device, write", naming neither the file nor the room left. Each now names the file and the room on its disk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { diskRefusalText, namedDiskRefusal } from '../../src/daemon/disk-refusal-text.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

describe('guardian --once: errors of a full state disk', () => {
  it('probeServices, guardian.lock and guardian-pass.json name the file refused and the room left on its filesystem', async () => {
    const dir = tempDir('clawback-full-disk-named-');
    const runtime = path.join(dir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify({ api: { port: await freePort() }, services: [{ name: 'web', command: ['sleep', '1000'], autostart: false }] }));
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    disk.fill(0);
    const r = await runCli(['guardian', '--once', '--json', '--config', config, '--state-dir', stateDir], { timeoutMs: 60_000, env: { XDG_RUNTIME_DIR: runtime } });
    const report = JSON.parse(r.stdout) as { outcome: string; probedServices: boolean; errors: string[]; refusedWrites?: string[] };
    // One full disk is said once in errors; each refused write, word for word, in refusedWrites.
    expect(report.errors.filter((e) => e.includes('ENOSPC'))).toHaveLength(1);
    const lines = [...report.errors, ...(report.refusedWrites ?? [])];
    expect(report.outcome).toBe('daemon-down');
    expect(report.probedServices).toBe(true);
    const errors = report.errors.join('\n');
    const room = /its filesystem has \d+ B free of 1\.0 MiB/;
    const probe = lines.find((e) => e.startsWith('probeServices: '));
    expect(probe, errors).toContain(`${path.join(stateDir, 'state.json')}: no space left on the device (ENOSPC`);
    expect(probe).toMatch(room);
    const lock = lines.find((e) => e.startsWith('guardian.lock could not be written'));
    expect(lock, errors).toContain(path.join(stateDir, 'guardian.lock'));
    expect(lock).toMatch(room);
    const pass = lines.find((e) => e.startsWith('guardian-pass.json could not be written'));
    expect(pass, errors).toContain(path.join(stateDir, 'guardian-pass.json'));
    expect(pass).toMatch(room);
    for (const e of lines) expect(e, 'an error that names no file').not.toMatch(/^[\w.-]+: ENOSPC: no space left on device, write$/);
  }, 90_000);

  it('an error of another kind keeps its own words; one with no file is placed in the directory written in', () => {
    expect(diskRefusalText(new Error('plain'), '/s')).toBe('plain');
    const esrch = Object.assign(new Error('kill ESRCH'), { code: 'ESRCH', syscall: 'kill' });
    expect(diskRefusalText(esrch)).toBe('kill ESRCH');
    const nospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(diskRefusalText(nospc, '/s', () => ({ free: 0, size: 1024 * 1024 }))).toBe('a file in /s: no space left on the device (ENOSPC, write); its filesystem has 0 B free of 1.0 MiB');
  });

  it('names a refused file once: "guardian-revive.json: /s/guardian-revive.json: no space" read it twice', () => {
    const room = (): { free: number; size: number } => ({ free: 0, size: 1024 * 1024 });
    const own = Object.assign(new Error("ENOSPC: no space left on device, open '/s/guardian-revive.json.tmp-1'"), { code: 'ENOSPC', syscall: 'open', path: '/s/guardian-revive.json.tmp-1' });
    expect(namedDiskRefusal('guardian-revive.json', own, '/s', room)).toBe('/s/guardian-revive.json.tmp-1: no space left on the device (ENOSPC, open); its filesystem has 0 B free of 1.0 MiB');
    const other = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(namedDiskRefusal('guardian-revive.json', other, '/s', room)).toBe('guardian-revive.json: a file in /s: no space left on the device (ENOSPC, write); its filesystem has 0 B free of 1.0 MiB');
  });
});
