// The alert-spool fault on a real daemon (observe-wiring's notifier): an outbox it cannot write (the channel's spool
// folder on a read-only mount; a file in its place is moved aside and repaired since) degrades it; a reload that
// removes every channel leaves no spool to fail, and the reason went nowhere: `status` said degraded until the daemon
// restarted. Now the reload clears it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitHealthy } from '../instances/instance-helpers.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
let mounted: string | undefined;
afterEach(async () => {
  if (mounted) execFileSync('umount', [mounted]);
  mounted = undefined;
  await td?.stop();
  if (td) rmSync(td.dir, { recursive: true, force: true });
  td = undefined;
});

const sleeper = { name: 'alpha', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [{ kind: 'process', name: 'alive', interval: '200ms' }] };

describe('alert-spool fault of a real daemon', () => {
  it('is degraded while the outbox cannot be written, and a reload that removes every channel clears it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cb-spool-'));
    const folder = path.join(dir, 'state', 'outbox', 'webhook');
    mkdirSync(folder, { recursive: true });
    // A read-only bind mount over the channel's spool folder: every alert file's write fails with EROFS (root too), and
    // the reason says so (Node's recursive mkdir of its dead/ answered ENOENT there).
    execFileSync('mount', ['--bind', folder, folder]);
    mounted = folder;
    execFileSync('mount', ['-o', 'remount,bind,ro', folder]);
    // A closed loopback port: every alert waits in the spool.
    const config = { services: [sleeper], notify: { channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }] } };
    td = await startTestDaemon(config, { dir });
    const d = td.daemon;
    await waitHealthy(d, ['alpha']);
    await waitFor(() => d.faults.isDegraded('alert-spool'), { timeoutMs: 10_000, message: 'the alert-spool reason' });
    expect(d.faults.status().degraded.find((r) => r.reason === 'alert-spool')!.lastError).toMatch(/EROFS/);

    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [sleeper] })));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.status).toBe(200);
    // Before the fix: still degraded (alert-spool) with no notifier left to clear it.
    expect(d.faults.isDegraded('alert-spool')).toBe(false);
    expect(td.events.some((e) => e.type === 'daemon.recovered' && e.details?.reason === 'alert-spool')).toBe(true);
  }, 40_000);
});
