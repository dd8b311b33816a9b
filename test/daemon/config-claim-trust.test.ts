// Config claims live under the shared temp dir: one is believed only where no other user could have written it.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../src/platform/clock.js';
import { readConfigClaim, takeConfigClaim } from '../../src/daemon/config-claim.js';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import YAML from 'yaml';

const releases: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const r of releases.splice(0)) await r();
});

describe('config claims in the shared temp dir', () => {
  it('a claim is read back from a private claims dir, and ignored (taken as none) once its parent is open to other users', async () => {
    const root = tempDir();
    const config = path.join(root, 'clawback.yaml');
    writeFileSync(config, 'services: []\n');
    const claims = path.join(root, 'clawback-me', 'config-claims');
    const claim = await takeConfigClaim(config, path.join(root, 'state'), systemClock(), claims);
    expect(claim.kind).toBe('held');
    if (claim.kind === 'held') releases.push(claim.release);
    expect(readConfigClaim(config, claims)).toMatchObject({ pid: process.pid });

    chmodSync(path.dirname(claims), 0o777);
    expect(readConfigClaim(config, claims)).toBeUndefined();
    expect((await takeConfigClaim(config, path.join(root, 'state'), systemClock(), claims)).kind).toBe('unavailable');
    chmodSync(path.dirname(claims), 0o700);
    expect(readConfigClaim(config, claims)).toMatchObject({ pid: process.pid });
  });

  it('a claims dir reached through a symlink (which another user could have planted) is not believed', async () => {
    const root = tempDir();
    const config = path.join(root, 'clawback.yaml');
    writeFileSync(config, 'services: []\n');
    const real = path.join(root, 'real');
    mkdirSync(real, { mode: 0o700 });
    const claims = path.join(root, 'real', 'config-claims');
    const claim = await takeConfigClaim(config, path.join(root, 'state'), systemClock(), claims);
    expect(claim.kind).toBe('held');
    if (claim.kind === 'held') releases.push(claim.release);
    symlinkSync(real, path.join(root, 'link'));
    expect(readConfigClaim(config, claims)).toMatchObject({ pid: process.pid });
    expect(readConfigClaim(config, path.join(root, 'link', 'config-claims'))).toBeUndefined();
  });

  it('a daemon whose claims dir cannot be used runs its services and says so once, with the path, the error and what to do', async () => {
    // Seen: <tmp>/clawback-<uid>/config-claims a file (or another user's): the claim was silently "unavailable", and a
    // second daemon on the same config with another state dir ran the services twice, with no word from either.
    const root = tempDir();
    const tmp = path.join(root, 'tmp');
    const claims = path.join(tmp, `clawback-${process.getuid!()}`, 'config-claims');
    mkdirSync(path.dirname(claims), { recursive: true, mode: 0o700 });
    writeFileSync(claims, 'in the way\n');
    const config = path.join(root, 'clawback.yaml');
    const svc = path.join(root, 'svc.mjs');
    const started = path.join(root, 'started');
    writeFileSync(svc, `require('node:fs').writeFileSync(${JSON.stringify(started)}, String(process.pid)); setInterval(() => {}, 1e9);\n`.replace("require('node:fs')", "(await import('node:fs'))"));
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: [NODE, svc] }] })));
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', path.join(root, 'state')], { env: { TMPDIR: tmp } });
    releases.push(async () => {
      d.signal('SIGTERM');
      await d.waitForExit(20_000).catch(() => undefined);
      d.kill();
      rmSync(root, { recursive: true, force: true });
    });
    await waitFor(() => d.stdout().includes('clawback running') || d.exitInfo() !== undefined, { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
    expect(d.exitInfo(), d.stderr()).toBeUndefined();
    await waitFor(() => existsSync(started), { timeoutMs: 20_000, intervalMs: 100, message: 'the service started' });
    const said = d.stdout() + d.stderr();
    const lines = said.split('\n').filter((l) => l.includes(claims));
    expect(lines, said).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: /);
    expect(lines[0]).toContain('EEXIST');
    expect(lines[0]).toContain('would run its services twice');
    expect(lines[0]).toContain('move aside');
  }, 60_000);
});
