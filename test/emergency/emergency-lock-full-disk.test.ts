// The Level 3 locks on a full disk (a real small tmpfs): the refusal names the lock file and what it costs, not Node's
// bare "ENOSPC: no space left on device, write", and the same for any FileLock a full disk refuses.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { FileLock } from '../../src/platform/file-lock.js';
import { systemErrorText } from '../../src/platform/errno-words.js';
import { acquireEmergencyLocks, serviceLockPath } from '../../src/emergency/emergency-locks.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('2m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

it('a full disk refuses the Level 3 lock: the error names the lock file and that no agent runs until there is room', async () => {
  const stateDir = path.join(disk.dir, 'state');
  const incidentDir = path.join(stateDir, 'incidents', 'inc-full');
  mkdirSync(incidentDir, { recursive: true });
  mkdirSync(path.join(stateDir, 'locks'));
  disk.fill();
  try {
    const err = (await acquireEmergencyLocks(stateDir, 'gw', incidentDir, systemClock()).then(
      () => undefined,
      (e: unknown) => e,
    )) as NodeJS.ErrnoException | undefined;
    expect(err, 'a full disk refuses the lock').toBeDefined();
    expect(err!.code).toBe('ENOSPC');
    expect(err!.message).toContain(serviceLockPath(stateDir, 'gw'));
    expect(err!.message).toMatch(/no agent runs for it until/);

    // Any FileLock: the message, and the one line made from it, name the file; the code and call are kept.
    const file = path.join(stateDir, 'locks', 'other.lock');
    const plain = (await new FileLock(file).acquire().then(
      () => undefined,
      (e: unknown) => e,
    )) as NodeJS.ErrnoException | undefined;
    expect(plain?.code).toBe('ENOSPC');
    expect(plain?.message).toContain(file);
    expect(systemErrorText(plain)).toBe(`cannot write ${file}: no space left on the device (ENOSPC)`);
  } finally {
    disk.free();
  }
});

it('the incident lock refused by a full disk lets go of the service lock: the next run, with room again, is not refused', async () => {
  const stateDir = path.join(disk.dir, 'state2');
  const first = path.join(stateDir, 'incidents', 'inc-1');
  const second = path.join(stateDir, 'incidents', 'inc-2');
  mkdirSync(first, { recursive: true });
  mkdirSync(second, { recursive: true });
  mkdirSync(path.join(stateDir, 'locks'));
  // Room for the service lock's page, none for the incident lock's.
  disk.fill(4096);
  let refused: unknown;
  try {
    refused = await acquireEmergencyLocks(stateDir, 'gw', first, systemClock()).then(
      () => undefined,
      (e: unknown) => e,
    );
  } finally {
    disk.free();
  }
  expect((refused as NodeJS.ErrnoException | undefined)?.message).toContain(path.join(first, 'agent.lock'));
  const next = await acquireEmergencyLocks(stateDir, 'gw', second, systemClock());
  expect(next.ok ? 'taken' : next.reason).toBe('taken');
  if (next.ok) await next.locks.release();
});
