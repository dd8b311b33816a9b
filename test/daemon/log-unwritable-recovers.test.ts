// A service started while its logs directory was read-only ran with its output thrown away until its next restart, and
// status and /metrics said nothing: once the directory is writable again its output reaches the log (what was held, after
// a line saying what was lost), and meanwhile the daemon is degraded for service-log.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('4m');
});
afterAll(() => {
  disk?.unmount();
});
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const remount = (mode: 'ro' | 'rw'): void => void execFileSync('mount', ['-o', `remount,${mode}`, disk.dir], { stdio: 'pipe' });
const TALKER = "let i = 0; setInterval(() => console.log('tick ' + i++), 50)";
const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** The log helper (log-redactor.js) writing into `dir`, by its command line. */
function helperOf(dir: string): number | undefined {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const argv = read(`/proc/${e}/cmdline`).split('\0');
    if (argv.some((a) => a.endsWith('log-redactor.js')) && argv.some((a) => a.startsWith(dir))) return Number(e);
  }
  return undefined;
}

/** CPU ticks (utime + stime) of `pid`, each time asked; true once they stayed the same for `ms`. */
function idleFor(pid: number, ms: number): () => boolean {
  let last = -1;
  let since = Date.now();
  return () => {
    const f = read(`/proc/${pid}/stat`).split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(f[11]) + Number(f[12]);
    if (ticks !== last) {
      last = ticks;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= ms;
  };
}

describe('a service started while its logs directory is read-only', () => {
  for (const redact of [false, true]) {
    it(`gets its output into the log once the directory is writable, said degraded meanwhile (logs.redact ${redact})`, async () => {
      const logsDir = path.join(disk.dir, `logs-${redact}`);
      mkdirSync(logsDir);
      cleanup.push(() => rmSync(logsDir, { recursive: true, force: true }));
      remount('ro');
      cleanup.push(() => remount('rw'));
      const t: TestDaemon = await startTestDaemon({ services: [{ name: 'talker', command: [NODE, '-e', TALKER], logs: { dir: logsDir, redact } }] });
      cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
      cleanup.push(() => t.stop());
      const rt = t.daemon.runtimes.get('talker')!;
      const pid = await waitFor(() => rt.status().pid, { message: 'talker running' });
      await waitFor(() => t.daemon.faults.isDegraded('service-log'), { message: 'degraded for service-log' });
      const reason = t.daemon.faults.status().degraded.find((d) => d.reason === 'service-log')!;
      expect(reason.lastError).toContain(path.join(logsDir, 'talker.log'));
      expect(reason.lastError).toContain('EROFS');
      expect(t.events.some((e) => e.type === 'daemon.degraded' && e.details?.reason === 'service-log')).toBe(true);
      // The log helper must have tried the file while it was read-only (on a loaded host its start can outlast any
      // fixed wait, and a helper that first opens the file after the remount has nothing to say): up and idle.
      const helper = await waitFor(() => helperOf(logsDir), { timeoutMs: 15_000, message: 'the log helper running' });
      await waitFor(idleFor(helper, 400), { timeoutMs: 15_000, intervalMs: 50, message: 'the log helper started and idle' });
      remount('rw');
      const log = path.join(logsDir, 'talker.log');
      await waitFor(() => /tick \d+\n[^]*tick \d+\n/.test(read(log)) && !t.daemon.faults.isDegraded('service-log'), {
        timeoutMs: 15_000,
        intervalMs: 100,
        message: 'output in the log and service-log cleared',
      });
      const text = read(log);
      // What was held while read-only comes first, after the line that says so; the output goes on after it.
      expect(text).toMatch(/^\[clawback\] .*talker\.log could not be written from .* \(EROFS[^\n]*\): no output was lost; the \d+ bytes held in memory meanwhile/);
      expect(text.split('\n')[1]).toBe('tick 0');
      expect(t.events.some((e) => e.type === 'daemon.recovered' && e.details?.reason === 'service-log')).toBe(true);
      expect(rt.status()).toMatchObject({ state: 'running', pid });
    }, 40_000);
  }
});
