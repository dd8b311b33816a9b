// After a person's cancel of an external start, the look for what its manager brought up is bounded by one
// external.timeout overall (a pid command that hangs included), and the daemon's end cuts it short.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchExternal } from '../../src/supervisor/external-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Resolves with the outcome's message, or 'still waiting' after `ms`. */
function settle(p: Promise<unknown>, ms: number): Promise<string> {
  return Promise.race([p.then(() => 'attached', (e: Error) => e.message), new Promise<string>((r) => setTimeout(() => r('still waiting'), ms))]);
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const NODE = process.execPath;
// Hangs once the start command has begun (its marker written), else answers "not running" at once.
const pidCommand = (marker: string): string[] => [NODE, '-e', `if (require('fs').existsSync(${JSON.stringify(marker)})) setInterval(() => {}, 1e9); else process.exit(1)`];
const hangingStart = (marker: string): string[] => [NODE, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); setInterval(() => {}, 1e9)`];

describe('an external start cancelled by a person, its pid command hanging', () => {
  it('gives up within one external.timeout of the cancel, not one per look', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'clawback-ext-cancel-'));
    const marker = path.join(dir, 'started');
    const timeout = 6_000;
    const cancel = new AbortController();
    const end = new AbortController();
    const launched = launchExternal({ pidCommand: pidCommand(marker), startCommand: hangingStart(marker), restartCommand: ['true'], timeout }, systemClock(), realCommandRunner({ killGraceMs: 500 }), { restart: false, pollMs: 100, signal: cancel.signal, end: end.signal });
    await until(() => existsSync(marker), 20_000);
    const at = performance.now();
    cancel.abort();
    // Before: the wait's last look ran past its deadline, and a second unbounded look followed (two timeouts and more).
    const outcome = await settle(launched, 3 * timeout);
    const took = performance.now() - at;
    end.abort();
    expect(outcome).toMatch(/start cancelled by a person/);
    expect(took).toBeLessThan(timeout * 1.75);
  });

  it('the daemon stopping ends the look after a cancel at once', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'clawback-ext-cancel-'));
    const marker = path.join(dir, 'started');
    // The pid command hangs from the first look: the cancel comes before the manager was asked.
    const cancel = new AbortController();
    const end = new AbortController();
    const hangs = [NODE, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); setInterval(() => {}, 1e9)`];
    const launched = launchExternal({ pidCommand: hangs, startCommand: ['true'], restartCommand: ['true'], timeout: 30_000 }, systemClock(), realCommandRunner({ killGraceMs: 500 }), { restart: false, pollMs: 100, signal: cancel.signal, end: end.signal });
    await until(() => existsSync(marker), 20_000);
    rmSync(marker);
    cancel.abort();
    // The look after the cancel has begun (its pid command hangs again) when the daemon stops.
    await until(() => existsSync(marker), 20_000);
    end.abort();
    expect(await settle(launched, 15_000)).toMatch(/cut short by the daemon stopping/);
  });
});
