import { describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createCommandProbe } from '../../src/probes/command-probe.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';
import { isAlive, PROCESS_START_MS, runIntoTimeout, waitFor } from '../helpers/processes.js';

const node = process.execPath;
const marker = { CLAWBACK_TEST_CHILD: '1' };
const probe = (command: string[]) =>
  createCommandProbe(probeSchema.parse({ kind: 'command', command, env: marker }) as ProbeConfigOf<'command'>);
const target: ProbeTarget = { pid: process.pid, startedAt: Date.now() };

describe('command probe', () => {
  it('exit 0 is healthy and {pid} is substituted', async () => {
    const r = await probe([node, '-e', 'process.exit(Number(process.argv[1]) === process.ppid ? 0 : 3)', '{pid}']).check(target, AbortSignal.timeout(PROCESS_START_MS));
    expect(r.status).toBe('success');
    expect(r.latencyMs).toBeGreaterThan(0);
  });

  it('non-zero exit is a failure with the output tail', async () => {
    const r = await probe([node, '-e', 'console.error("db unreachable"); process.exit(4)']).check(target, AbortSignal.timeout(PROCESS_START_MS));
    expect(r).toMatchObject({ status: 'failure', finding: 'command-failed', value: 4 });
    expect(r.message).toContain('db unreachable');
  });

  it('a timeout is a failure and the command (and its group) is killed', async () => {
    const r = await runIntoTimeout(
      2000,
      (ms) => probe([node, '-e', 'console.log(process.pid); setInterval(() => {}, 1000)']).check(target, AbortSignal.timeout(ms)),
      (x) => Number(String(x.details?.output).trim()) > 0,
    );
    expect(r).toMatchObject({ status: 'failure', finding: 'command-timeout' });
    const pid = Number(String(r.details?.output).trim());
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => !isAlive(pid), { timeoutMs: 5000, message: 'the timed-out command to die' });
  });

  it('a missing binary is unknown', async () => {
    const r = await probe(['/nonexistent/clawback-check']).check(target, AbortSignal.timeout(PROCESS_START_MS));
    expect(r.status).toBe('unknown');
    expect(r.message).toContain('ENOENT');
  });
});
