// A log tail cut through a secret (the prompt's character bound, the host's byte window) must not hand the agent the
// part of it left after the cut: redaction recognises a whole secret, not its last half.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPrompt, PROMPT_LIMITS, type PromptInput } from '../../src/emergency/prompt.js';
import { Redactor } from '../../src/observe/redact.js';
import { emergencyHost } from '../../src/daemon/emergency-wiring.js';
import { SnapshotStores } from '../../src/daemon/doctor-wiring.js';
import { serviceLogFile } from '../../src/daemon/spawn-spec.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { ServiceRuntime } from '../../src/daemon/service-runtime.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const SECRET = 'sk-live-Zq8vW3nP5rT7yU9iO1aS3dF5gH7jK9lX';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnopqrstuv';

/** Whether any 12 characters of the secret's second half are in text. */
function leaksTail(text: string, secret: string): boolean {
  for (let i = Math.floor(secret.length / 2); i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) return true;
  return false;
}

function prompt(logTail: string, redactor: Redactor): string {
  const input: PromptInput = {
    serviceName: 'gw',
    incident: { id: 'i1', openedAt: 0, level: 3, highestLevel: 3, reason: 'exit 1', doctorRuns: 1, agentRuns: 1, status: 'open' },
    timeline: [],
    probes: [],
    logTail,
    doctorFindings: [],
    learnings: [],
    layout: { logFile: '/s/logs/gw.log', stateDir: '/s', workdir: '/srv', allowedPaths: [] },
    mode: 'fix',
    channel: 'cli',
    timeBoxMs: 600_000,
    verifyWindowMs: 30_000,
    maxTurns: 30,
  };
  return buildPrompt(input, redactor);
}

describe("the prompt's log tail, cut to its character bound", () => {
  it('a known secret the cut goes through: no part of it reaches the prompt', () => {
    // One long line (a request dumped whole): the secret straddles the point PROMPT_LIMITS.logChars from the end.
    const log = `req ${'y'.repeat(500)} auth=${SECRET} ${'x'.repeat(PROMPT_LIMITS.logChars - 20)}\n`;
    const p = prompt(log, new Redactor([SECRET]));
    expect(p).toContain('earlier output cut');
    expect(leaksTail(p, SECRET)).toBe(false);
  });

  it('a bearer token (a pattern, not a known value) the cut goes through: no part of it reaches the prompt', () => {
    const log = `Authorization: Bearer ${BEARER} ${'z'.repeat(PROMPT_LIMITS.logChars - 30)}\n`;
    const p = prompt(log, new Redactor());
    expect(leaksTail(p, BEARER)).toBe(false);
  });
});

describe("the daemon's log tail for Level 3 (prompt and tail_log), read from the end of a real file", () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('a line the read window starts inside is left out, not passed on half-read with half a secret', async () => {
    const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: (e: never) => fx.events.push(e) } as unknown as DaemonContext;
    const runtime = () => ({ status: () => ({ state: 'stopped', pid: null }) }) as unknown as ServiceRuntime;
    const host = emergencyHost(fx.service, ctx, runtime, new SnapshotStores());
    const logFile = serviceLogFile(fx.service, fx.stateDir);
    await fs.mkdir(path.dirname(logFile), { recursive: true });
    // The window is the last 256 KiB: it starts 20 characters into the bearer token, whose line runs on (a request
    // dumped whole) into the window; a few short lines follow.
    const tailLines = Array.from({ length: 5 }, (_, i) => `later line ${i}`).join('\n') + '\n';
    const prefix = 'GET /v1 Authorization: Bearer ';
    const secretLine = `${prefix}${BEARER}${'p'.repeat(256 * 1024 - tailLines.length + 20 - BEARER.length - 1)}\n`;
    const head = `${'x'.repeat(1000)}\n`;
    const whole = head + secretLine + tailLines;
    await fs.writeFile(logFile, whole);
    const size = (await fs.stat(logFile)).size;
    const tokenAt = head.length + prefix.length;
    // (the fixture really cuts through the token)
    expect(size - 256 * 1024).toBe(tokenAt + 20);

    const text = await host.tailLog(200);
    expect(leaksTail(new Redactor().redact(text), BEARER)).toBe(false);
    expect(text).toContain('later line 4');
    // Every line passed on is a whole line of the file.
    const lines = new Set(whole.split('\n'));
    for (const l of text.split('\n')) expect(lines.has(l)).toBe(true);
  });
});
