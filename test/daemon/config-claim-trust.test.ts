// Config claims live under the shared temp dir: one is believed only where no other user could have written it.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../src/platform/clock.js';
import { readConfigClaim, takeConfigClaim } from '../../src/daemon/config-claim.js';
import { tempDir } from '../helpers/daemon.js';

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
});
