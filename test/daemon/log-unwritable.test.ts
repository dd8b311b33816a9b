// A log directory that cannot be written (read-only, a file where the directory should be) kept the service from
// starting at all: a crash loop over a log. Now it runs with its output discarded, and a warning says why.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const TALKER = "setInterval(() => console.log('tick'), 50)";

describe('a service whose log cannot be written', () => {
  for (const redact of [false, true]) {
    it(`still runs and stays up, with one warning per start naming the log (logs.redact ${redact})`, async () => {
      const dir = tempDir();
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      // A file where the log directory's parent should be: mkdir and open fail (ENOTDIR) even for root.
      writeFileSync(path.join(dir, 'not-a-dir'), '');
      const logsDir = path.join(dir, 'not-a-dir', 'logs');
      const t: TestDaemon = await startTestDaemon({ services: [{ name: 'talker', command: [NODE, '-e', TALKER], logs: { dir: logsDir, redact } }] }, { dir });
      cleanup.push(() => t.stop());
      const pid = await waitFor(() => t.daemon.runtimes.get('talker')!.status().pid, { message: 'talker running' });
      const warned = await waitFor(() => t.events.find((e) => e.type === 'daemon.fault' && e.service === 'talker'), { message: 'a warning about the log' });
      expect(warned.severity).toBe('warning');
      expect(warned.message).toContain(path.join(logsDir, 'talker.log'));
      expect(warned.details).toMatchObject({ effect: 'service-log' });
      await new Promise((r) => setTimeout(r, 1500));
      expect(t.daemon.runtimes.get('talker')!.status()).toMatchObject({ state: 'running', pid });
      expect(t.events.filter((e) => e.type === 'service.exited')).toEqual([]);
    }, 30_000);
  }
});
