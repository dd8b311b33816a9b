// While the daemon cannot start (its API port held for days), the guardian keeps the services up itself, and no
// daemon rotation loop ran: a service's log grew without bound until the daemon came back. Each pass rotates it now.
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardianPassWithBlockedDaemon } from '../helpers/direct-revive.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const MAX_BYTES = 10 * 1024 * 1024; // the service's logs.maxBytes default

describe('guardian pass that starts services directly', () => {
  it("rotates a service's log past logs.maxBytes, as the daemon's rotation loop would", async () => {
    const line = `${'x'.repeat(99)}\n`;
    const old = line.repeat(Math.ceil((MAX_BYTES + 4096) / line.length));
    const { stateDir, pass, pid } = await guardianPassWithBlockedDaemon('clawback-guardian-direct-logs-', cleanup, 50_000, (dir) => {
      mkdirSync(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
      writeFileSync(path.join(dir, 'logs', 'sl.log'), old);
    });
    expect(pass).not.toBeInstanceOf(Error);
    expect(pid, 'the pass started sl itself').toBeGreaterThan(0);
    const log = path.join(stateDir, 'logs', 'sl.log');
    expect(statSync(log).size).toBeLessThan(64 * 1024);
    expect(readFileSync(`${log}.1`, 'utf8').startsWith(old)).toBe(true);
  }, 90_000);
});
