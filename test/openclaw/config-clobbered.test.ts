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
import { readClobberedSource } from '../../src/openclaw/clobbered-source.js';


let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const withMeta = (port: number): string =>
  JSON.stringify({ gateway: { mode: 'local', bind: 'loopback', port }, logging: { level: 'info' }, meta: { lastTouchedVersion: '2026.9.6' } }, null, 2) + '\n';
const invalidEdit = (port: number): string => JSON.stringify({ gateway: { mode: 'local', bind: 'loopback', port, bogus: 1 }, meta: { lastTouchedVersion: '2026.9.6' } }) + '\n';
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
    expect(w.message).toContain('restored it from its own backup (openclaw.json.bak)');
    expect(w.details).toMatchObject({ file: cfg, kept, fixable: false });
    // Said once, the old copy never; the gateway's restore stands (no restart, no rewrite).
    await new Promise((r) => setTimeout(r, 3_000));
    expect(said()).toHaveLength(1);
    expect(said().some((e) => e.message.includes(old))).toBe(false);
    expect(readFileSync(cfg, 'utf8')).toBe(withMeta(port));
    expect(td.events.filter((e) => e.type === 'service.restarting')).toEqual([]);
  }, 60_000);

  // openclaw 2026.9.6 has two more ways to set the config aside (doctor-config-preflight, `openclaw doctor --fix`, which
  // Clawback runs itself): an invalid file restored from `.last-good`, and a non-JSON prefix stripped (no backup at all).
  // The warning named `.bak` for both: a person would have looked in the wrong file for what is now in effect.
  it('a restore from .last-good names .last-good, not .bak', async () => {
    const dir = tempDir('clawback-clobbered-lg-');
    const port = await freePort();
    const cfg = path.join(dir, 'openclaw.json');
    writeFileSync(cfg, withMeta(port));
    // .bak differs (an older port): naming it would point at the wrong settings.
    writeFileSync(`${cfg}.bak`, withMeta(port + 1));
    td = await startTestDaemon({ services: [standInGateway({ port, cfg })] }, { dir });
    const said = () => findingsOf(td!, 'config-clobbered');
    await waitFor(() => td!.events.some((e) => e.type === 'service.healthy'), { timeoutMs: 20_000 });

    // recoverConfigFromLastKnownGood: the invalid file kept, then the last-known-good copy written over it.
    const lastGood = withMeta(port).replace('"info"', '"debug"');
    writeFileSync(`${cfg}.last-good`, lastGood);
    const kept = `${cfg}.clobbered.2026-12-05T03-00-00.000Z`;
    writeFileSync(kept, invalidEdit(port));
    writeFileSync(cfg, lastGood);
    await waitFor(() => said().length > 0, { timeoutMs: 15_000 });
    const w = said()[0]!;
    expect(w.message).toContain('openclaw.json.last-good');
    expect(w.message).not.toContain('openclaw.json.bak');
    expect(w.message).toContain(`The rejected version is kept at ${kept}`);
    expect(w.details).toMatchObject({ file: cfg, kept, source: `${cfg}.last-good` });
  }, 60_000);

  it('a stripped non-JSON prefix is said as that, naming no backup and no lost edit', async () => {
    const dir = tempDir('clawback-clobbered-px-');
    const port = await freePort();
    const cfg = path.join(dir, 'openclaw.json');
    writeFileSync(cfg, withMeta(port));
    writeFileSync(`${cfg}.bak`, withMeta(port + 1));
    td = await startTestDaemon({ services: [standInGateway({ port, cfg })] }, { dir });
    const said = () => findingsOf(td!, 'config-clobbered');
    await waitFor(() => td!.events.some((e) => e.type === 'service.healthy'), { timeoutMs: 20_000 });

    // persistPrefixedConfigRecovery: the original (with an npm warning before the JSON) kept, the JSON alone written back.
    const mine = withMeta(port).replace('"info"', '"warn"');
    const kept = `${cfg}.clobbered.2026-12-05T03-10-00.000Z`;
    writeFileSync(kept, `npm WARN deprecated x@1\n${mine}`);
    writeFileSync(cfg, mine);
    await waitFor(() => said().length > 0, { timeoutMs: 15_000 });
    const w = said()[0]!;
    expect(w.message).toContain('removed it (no backup was restored');
    expect(w.message).not.toContain('.bak');
    expect(w.message).not.toContain('no longer in effect');
    expect(w.message).toContain(`The original is kept at ${kept}`);
    expect(w.details).toMatchObject({ file: cfg, kept, source: 'prefix' });
  }, 60_000);

  // Seen live (openclaw 2026.9.6, `openclaw doctor --fix --non-interactive` on a config with "npm WARN ..." before it):
  // "Config auto-stripped non-JSON prefix", then the doctor wrote the file twice more (.bak rotated to .bak.1) before it
  // exited, so neither the config nor .bak matched anything by the time the daemon looked.
  it('a prefix stripped by the doctor is still told after the doctor wrote the file again', async () => {
    const dir = tempDir('clawback-clobbered-doc-');
    const cfg = path.join(dir, 'openclaw.json');
    const stripped = withMeta(4000);
    const kept = `${cfg}.clobbered.2026-12-05T08-10-38-470Z`;
    writeFileSync(kept, `npm WARN deprecated something\n${stripped}`);
    writeFileSync(`${cfg}.bak.1`, stripped);
    writeFileSync(`${cfg}.bak`, stripped.replace('"info"', '"warn"'));
    writeFileSync(`${cfg}.last-good`, withMeta(4001));
    writeFileSync(cfg, stripped.replace('"info"', '"error"'));
    expect(await readClobberedSource(cfg, kept)).toEqual({ kind: 'prefix' });
    // Garbage that does not parse after the prefix is not that case (the gateway would not have stripped it).
    writeFileSync(kept, `npm WARN\n{ gateway: `);
    expect((await readClobberedSource(cfg, kept)).kind).not.toBe('prefix');
  });
});
