// A service that prints a fatal line and exits at once: the log probe still reads it, and the crash summary can quote it.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { Redactor } from '../../src/observe/redact.js';
import { appendFileSync, statSync } from 'node:fs';
import { createLogProbe } from '../../src/probes/log-probe.js';
import { Receiver } from '../notify/receiver.js';
import { probeSchema } from '../../src/probes/probe-schema.js';

const SECRET = 'sk-proj-LastWords0123456789abcdefXYZ';

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await receiver?.close();
  receiver = undefined;
});

/** The checks here are never cancelled. */
const NO_ABORT = new AbortController().signal;

describe('last words of a dying instance', () => {
  it('the log probe matches the fatal line printed right before the exit, and the event quotes it redacted', async () => {
    // The fatal line comes between two probe ticks (interval 1 s) and the process exits at once. No start-up
    // grace: the match is reported on the next instance's first tick (with a grace, on its second). Each instance
    // lives 1.5 s, so the probe surely ticks while it runs even when a loaded machine delays its start.
    const script = [
      "console.log('booting gateway');",
      `setTimeout(() => { console.error('Error: listen EADDRINUSE: address already in use 127.0.0.1:18789 (key ${SECRET})'); process.exit(1); }, 1500);`,
    ].join(' ');
    td = await startTestDaemon({
      services: [
        {
          name: 'dies',
          command: [NODE, '-e', script],
          env: { OPENAI_API_KEY: SECRET },
          restart: { backoff: { initial: '300ms', jitter: 0 }, intensity: { maxRestarts: 30, window: '1m' } },
          probes: [{ kind: 'log', pattern: 'EADDRINUSE', finding: 'port-in-use', interval: '1s', startupGrace: '0s' }],
        },
      ],
    });
    const t = td;
    const failed = await waitFor(() => t.events.find((e) => e.type === 'probe.failed' && e.message.includes('EADDRINUSE')), { timeoutMs: 20_000 }).catch((err: Error) => {
      console.log('DEBUG', JSON.stringify(t.events.map((e) => [e.type, e.message.slice(0, 90)])));
      throw err;
    });
    expect(failed.details?.['finding']).toBe('port-in-use');
    const journal = t.journal().find((e) => e.type === 'probe.failed' && e.message.includes('EADDRINUSE'))!;
    expect(journal.message).toContain('address already in use');
    expect(JSON.stringify(journal)).not.toContain(SECRET);

    // What the Level 4 message and crash summaries quote: the last lines before the exit, redacted.
    const redactor = new Redactor();
    redactor.addSecretEnv({ OPENAI_API_KEY: SECRET });
    // The probe may fire after the first exit (2 lines in the file) or a later one (more): at most 4 come back.
    const logFile = path.join(t.stateDir, 'logs', 'dies.log');
    const lines = await lastLogLines(logFile, 4, redactor);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(readFileSync(logFile, 'utf8')).toContain(SECRET);
    expect(lines.some((l) => l.includes('EADDRINUSE'))).toBe(true);
    expect(lines.join('\n')).not.toContain(SECRET);
  }, 40_000);

  it('a service that prints its fatal line and exits at once (no probe tick in its life) still trips the log probe, once per exit; the Level 4 alert quotes it', async () => {
    // Each instance lives a few milliseconds; the probe ticks every 5 s: only the read at the exit can see the line.
    const script = `console.log('booting'); console.error('Error: listen EADDRINUSE: address already in use 127.0.0.1:18789 (key ${SECRET})'); process.exit(1);`;
    receiver = await Receiver.start();
    const r = receiver;
    td = await startTestDaemon({
      notify: { channels: [{ type: 'webhook', url: `${r.base}/webhook/l4` }], backoff: { initial: 50, max: 300 } },
      services: [
        {
          name: 'quick',
          command: [NODE, '-e', script],
          env: { OPENAI_API_KEY: SECRET },
          restart: { backoff: { initial: '200ms', jitter: 0 }, intensity: { maxRestarts: 2, window: '1m' } },
          probes: [{ kind: 'log', pattern: 'EADDRINUSE', finding: 'port-in-use', interval: '5s' }],
        },
      ],
    });
    const t = td;
    const atExit = () => t.events.filter((e) => e.type === 'probe.failed' && e.details?.['atExit'] === true);
    await waitFor(() => atExit().length >= 1, { timeoutMs: 15_000 });
    const first = atExit()[0]!;
    expect(first.details?.['finding']).toBe('port-in-use');
    expect(first.message).toContain('address already in use');
    // Held after the crash loop: every exit was read, none twice (the probe's own next tick does not repeat it).
    await waitFor(() => t.daemon.runtimes.get('quick')!.status().state === 'held', { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 600));
    const exits = t.events.filter((e) => e.type === 'service.exited').length;
    const reported = t.events.filter((e) => e.type === 'probe.failed' && e.message.includes('EADDRINUSE')).length;
    expect(reported).toBe(exits);
    const journaled = t.journal().filter((e) => e.type === 'probe.failed');
    expect(journaled.length).toBe(reported);
    expect(JSON.stringify(journaled)).not.toContain(SECRET);
    // The human's alert (Level 4) quotes the last lines before the exit, redacted.
    await r.waitFor(() => r.of('webhook').some((m) => (m.json as { type: string }).type === 'incident.escalated'), 20_000, 'the Level 4 alert');
    const l4 = r.of('webhook').find((m) => (m.json as { type: string }).type === 'incident.escalated')!;
    expect((l4.json as { message: string }).message).toMatch(/Last lines before the exit:[\s\S]*address already in use/);
    expect(r.accepted.map((m) => m.raw).join('\n')).not.toContain(SECRET);
  }, 40_000);

  it('a line written after the last tick by an instance that then died is matched on the next instance (after its first pass)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'svc.log');
    writeFileSync(file, 'old run output\n');
    const probe = createLogProbe(probeSchema.parse({ kind: 'log', pattern: 'EADDRINUSE' }) as never);
    const one = { pid: 100, startedAt: 1, logFile: file, logStartOffset: statSync(file).size };
    expect((await probe.check(one as never, NO_ABORT)).status).toBe('success');
    appendFileSync(file, 'booting\nError: listen EADDRINUSE 127.0.0.1:18789\n');
    // Instance 1 exits before the next tick; instance 2 starts at the new end of the file.
    appendFileSync(file, 'booting again\n');
    const two = { pid: 101, startedAt: 2, logFile: file, logStartOffset: statSync(file).size };
    const first = await probe.check(two as never, NO_ABORT);
    expect(first.status).toBe('success');
    const second = await probe.check(two as never, NO_ABORT);
    expect(second.status).toBe('failure');
    expect(second.message).toContain('EADDRINUSE');
    expect(second.details?.['previousInstance']).toBe(true);
    // Reported once.
    expect((await probe.check(two as never, NO_ABORT)).status).toBe('success');

    // Without a start-up grace the match comes on the next instance's first tick.
    const quick = createLogProbe(probeSchema.parse({ kind: 'log', pattern: 'EADDRINUSE', startupGrace: 0 }) as never);
    const three = { pid: 102, startedAt: 3, logFile: file, logStartOffset: statSync(file).size };
    expect((await quick.check(three as never, NO_ABORT)).status).toBe('success');
    appendFileSync(file, 'Error: listen EADDRINUSE again\n');
    const four = { pid: 103, startedAt: 4, logFile: file, logStartOffset: statSync(file).size };
    const r = await quick.check(four as never, NO_ABORT);
    expect(r.status).toBe('failure');
    expect(r.details?.['previousInstance']).toBe(true);
  });

  it('lastLogLines: last n non-empty lines, bounded read, missing file gives []', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'svc.log');
    const filler = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    writeFileSync(file, `${filler}\nalmost done\n\nFATAL token=abcd1234efgh\n\n`);
    const lines = await lastLogLines(file, 2, new Redactor());
    expect(lines).toEqual(['almost done', 'FATAL token=[REDACTED]']);
    expect(await lastLogLines(path.join(dir, 'nope.log'), 3, new Redactor())).toEqual([]);
  });
});
