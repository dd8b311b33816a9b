// A FIFO in the place of a queued-events claim or a config claim: read without blocking (a plain read waits in open()
// for a writer for good, and the daemon with it).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { takePendingEvents } from '../../src/daemon/pending-events.js';
import { claimBase, readConfigClaim } from '../../src/daemon/config-claim.js';
import { tempDir } from '../helpers/daemon.js';

/** Opens the FIFO for writing after `ms` (so a read stuck in open() ends and the test with it); resolves on its exit. */
function rescue(fifos: string[], ms: number): Promise<unknown> {
  const code = `setTimeout(() => { const fs = require('fs'); for (const f of ${JSON.stringify(fifos)}) { try { const fd = fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK); fs.writeSync(fd, '{}'); fs.closeSync(fd); } catch {} } }, ${ms})`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('state files that are FIFOs', () => {
  it('a queued-events claim: the drain returns at once and says what is there', async () => {
    const dir = tempDir();
    const claim = path.join(dir, 'pending-events.jsonl.999999');
    execFileSync('mkfifo', [claim]);
    const done = rescue([claim], 3000);
    try {
      const began = Date.now();
      expect(() => takePendingEvents(dir, () => false)).toThrow(/is a FIFO/);
      expect(Date.now() - began).toBeLessThan(2000);
      expect(lstatSync(claim).isFIFO()).toBe(true); // left for a person, said at each drain as an unreadable claim is
    } finally {
      await done;
    }
  }, 15_000);

  it('a config claim lock: read as no claim, at once', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'clawback.yaml');
    const claims = path.join(dir, 'claims');
    execFileSync('mkdir', ['-m', '700', claims]);
    // Both claim files as FIFOs under the base name the claim uses for this config.
    const base = claimBase(config, claims);
    execFileSync('mkfifo', [`${base}.lock`, `${base}.json`]);
    const unblock = rescue([`${base}.lock`, `${base}.json`], 3000);
    try {
      const began = Date.now();
      expect(readConfigClaim(config, claims)).toBeUndefined();
      expect(Date.now() - began).toBeLessThan(2000);
    } finally {
      await unblock;
    }
  }, 15_000);
});
