// The gateway restores its own config from .bak at start when a person's hand edit lacks the `meta` block ("Config
// auto-restored from backup: ... (missing-meta-vs-last-good)") and sets the edit aside as `openclaw.json.clobbered.<ts>`:
// the edit is gone and Clawback said nothing. It must say so, naming the kept file, and never fight the restore.
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { findingsOf, standInGateway } from './stand-in-gateway.js';


let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const withMeta = (port: number): string =>
  JSON.stringify({ gateway: { mode: 'local', bind: 'loopback', port }, logging: { level: 'info' }, meta: { lastTouchedVersion: '2026.9.6' } }, null, 2) + '\n';
const handEdit = (port: number): string => JSON.stringify({ gateway: { mode: 'local', bind: 'loopback', port }, logging: { level: 'warn' } }) + '\n';

describe("the gateway's own restore of its config", () => {
  it('a new .clobbered copy is said once, naming it; an old one from before the daemon is not; the restore is left alone', async () => {
    const dir = tempDir('clawback-clobbered-');
    const port = await freePort();
    const cfg = path.join(dir, 'openclaw.json');
    writeFileSync(cfg, withMeta(port));
    // From a restore long before this daemon: old news.
    const old = `${cfg}.clobbered.2026-01-01T00-00-00.000Z`;
    writeFileSync(old, handEdit(port));
    utimesSync(old, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    td = await startTestDaemon({ services: [standInGateway({ port, cfg })] }, { dir });
    const said = () => findingsOf(td!, 'config-clobbered');
    await waitFor(() => td!.events.some((e) => e.type === 'service.healthy'), { timeoutMs: 20_000 });

    // What the gateway does (openclaw 2026.9.6, io.snapshot): the rejected file is kept, then the backup is written over it.
    const kept = `${cfg}.clobbered.2026-12-05T02-05-30.000Z`;
    writeFileSync(kept, handEdit(port));
    writeFileSync(cfg, withMeta(port));
    await waitFor(() => said().length > 0, { timeoutMs: 15_000 });
    const w = said()[0]!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain(`The rejected version is kept at ${kept}`);
    expect(w.message).toContain('restored it from its own backup');
    expect(w.details).toMatchObject({ file: cfg, kept, fixable: false });
    // Said once, the old copy never; the gateway's restore stands (no restart, no rewrite).
    await new Promise((r) => setTimeout(r, 3_000));
    expect(said()).toHaveLength(1);
    expect(said().some((e) => e.message.includes(old))).toBe(false);
    expect(readFileSync(cfg, 'utf8')).toBe(withMeta(port));
    expect(td.events.filter((e) => e.type === 'service.restarting')).toEqual([]);
  }, 60_000);
});
