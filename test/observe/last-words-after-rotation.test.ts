// A service's last words are read after it exits; the log rotation (copy-truncate every 2 s) may have moved them to
// file.1 in between, which left the incident (and the escalation alert, and the AI agent's log tail) with none.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { tempDir } from '../helpers/daemon.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { rotateIfLarger } from '../../src/observe/log-rotation.js';
import { Redactor } from '../../src/observe/redact.js';
import { emergencyHost } from '../../src/daemon/emergency-wiring.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ServiceConfig } from '../../src/config/schema.js';

const MAX_BYTES = 64 * 1024;
const SECRET = 'sk-live-Q7mW2xR9tY4uI8oP1aS6dF3gH5jK0lZc';

/**
 * A real service writing to its log as the daemon wires it (its stdout and stderr an O_APPEND descriptor): 800 lines
 * (past maxBytes), its token, its last words; then it waits for the test's go on stdin and exits 1.
 */
async function serviceThatRotatesBeforeItDies(file: string): Promise<{ exited: Promise<unknown>; go: () => void }> {
  const fd = openSync(file, 'a', 0o600);
  const src = `
    for (let i = 0; i < 800; i++) console.log('request ' + i + ' ok ' + 'z'.repeat(80));
    console.log('token ${SECRET}');
    console.error('FATAL: database connection refused (ECONNREFUSED 127.0.0.1:5432)');
    console.error('shutting down, flushing queues...');
    process.stdin.once('data', () => process.exit(1));
  `;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['pipe', fd, fd] });
  closeSync(fd);
  const exited = once(child, 'exit');
  // Wait until the last words are in the file (bounded: a node start on a loaded box can take seconds).
  const deadline = Date.now() + 20_000;
  while (!readFileSync(file, 'utf8').includes('flushing queues') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { exited, go: () => child.stdin!.end('go\n') };
}

describe("a service's last words after its log was rotated", () => {
  it('are in the crash summary when a rotation emptied the live log between them and the exit', async () => {
    const file = path.join(tempDir(), 'svc.log');
    const svc = await serviceThatRotatesBeforeItDies(file);
    // The daemon's rotation pass runs while the service is still shutting down.
    expect(await rotateIfLarger(file, MAX_BYTES, 3)).toBe(true);
    expect(statSync(file).size).toBe(0);
    svc.go();
    await svc.exited;
    const lines = await lastLogLines(file, 5, new Redactor([SECRET]));
    expect(lines.slice(-2)).toEqual(['FATAL: database connection refused (ECONNREFUSED 127.0.0.1:5432)', 'shutting down, flushing queues...']);
    expect(lines).toContain('token [REDACTED]');
    expect(lines.join('\n')).not.toContain('Q7mW2x');
  }, 60_000);

  it('joins the end of file.1 and what the service wrote after the rotation, in order', async () => {
    const file = path.join(tempDir(), 'svc.log');
    const svc = await serviceThatRotatesBeforeItDies(file);
    await rotateIfLarger(file, MAX_BYTES, 3);
    svc.go();
    await svc.exited;
    // A line the service (or its next start) wrote after the truncate.
    const fd = openSync(file, 'a');
    try {
      writeSync(fd, 'restarted, then died again\n');
    } finally {
      closeSync(fd);
    }
    const lines = await lastLogLines(file, 3, new Redactor([SECRET]));
    expect(lines).toEqual(['FATAL: database connection refused (ECONNREFUSED 127.0.0.1:5432)', 'shutting down, flushing queues...', 'restarted, then died again']);
  }, 60_000);

  it("are in the Level 3 agent's log tail (tail_log and the prompt) after the same rotation", async () => {
    const stateDir = tempDir();
    const service = { name: 'svc', logs: { dir: path.join(stateDir, 'logs'), maxBytes: MAX_BYTES, keep: 3 } } as unknown as ServiceConfig;
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
    const file = path.join(stateDir, 'logs', 'svc.log');
    const svc = await serviceThatRotatesBeforeItDies(file);
    await rotateIfLarger(file, MAX_BYTES, 3);
    svc.go();
    await svc.exited;
    const host = emergencyHost(service, { stateDir, clock: systemClock } as never, (() => undefined) as never, {} as never);
    const tail = await host.tailLog(3);
    expect(tail).toContain('FATAL: database connection refused');
    expect(tail).toContain('shutting down, flushing queues...');
  }, 60_000);
});
