// The daemon's own log unwritable at start (a read-only state dir, a full disk, daemon.log not a file) made
// `clawback run` exit before supervising anything. Now it starts, supervises, and says once that its log is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

describe('the daemon log cannot be opened', () => {
  it('the daemon starts and supervises, with one warning naming the fault', async () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // A directory where daemon.log should be: open fails (EISDIR) even for root, as EROFS does on a read-only disk.
    mkdirSync(path.join(dir, 'state', 'logs', 'daemon.log'), { recursive: true });
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'sleeper', command: [NODE, '-e', 'setInterval(() => {}, 1000)'] }] }, { dir });
    cleanup.push(() => t.stop());
    await waitFor(() => t.daemon.runtimes.get('sleeper')!.status().pid, { message: 'sleeper running' });
    const warned = t.journal().filter((e) => e.type === 'daemon.fault');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ severity: 'warning', details: { effect: 'daemon-log' } });
    expect(warned[0]!.message).toContain('EISDIR');
  }, 30_000);
});
