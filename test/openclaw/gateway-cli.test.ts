// The gateway's CLI as Clawback uses it, on a stand-in CLI with the real answers: channel restart at the smallest scope, stability bundle, diagnostics export.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serviceSchema } from '../../src/config/schema.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { gatewayCli, jsonOf } from '../../src/openclaw/gateway-cli.js';
import { failingAccounts, restartChannel } from '../../src/openclaw/channel-restart.js';
import { exportDiagnostics, readStabilityBundle } from '../../src/openclaw/gateway-evidence.js';
import { summarizeStability } from '../../src/openclaw/stability-summary.js';
import { Redactor } from '../../src/observe/redact.js';
import { tempDir } from '../helpers/daemon.js';

const FAKE_CLI = fileURLToPath(new URL('./fixtures/fake-openclaw.mjs', import.meta.url));

/** channels.status as openclaw 2026.9.6 answers it (one healthy account, one blocked by a 401). */
const ACCOUNTS = {
  telegram: [
    { accountId: 'default', enabled: true, running: true, connected: true, lifecycle: 'ready', lastInboundAt: null },
    { accountId: 'ops', enabled: true, running: false, connected: false, lifecycle: 'blocked', lastError: 'Unauthorized' },
  ],
};
/** A bundle as `gateway stability --bundle latest --json` printed it for a start-up failure. */
const BUNDLE = {
  version: 1,
  generatedAt: '2026-11-30T14:06:01.998Z',
  reason: 'gateway.startup_failed',
  process: { pid: 16920, platform: 'linux', arch: 'x64', node: '24.21.0', uptimeMs: 147728 },
  host: { hostname: '<redacted-hostname>' },
  error: { name: 'Error', message: 'state lease heartbeat did not become ready (token s3cr3t-tok-123)', stack: 'Error: ...' },
  snapshot: { generatedAt: '2026-11-30T14:06:01.999Z', capacity: 1000, count: 2, dropped: 0, events: [{ type: 'diagnostic.memory.pressure' }, { type: 'payload.large' }], summary: { byType: {} } },
};

function setup(state: Record<string, unknown>) {
  const dir = tempDir('clawback-oc-cli-');
  const stateFile = path.join(dir, 'state.json');
  const log = path.join(dir, 'calls.log');
  writeFileSync(stateFile, JSON.stringify(state));
  const service = serviceSchema.parse({
    name: 'gw',
    command: ['true'],
    env: { FAKE_OPENCLAW_STATE: stateFile, FAKE_OPENCLAW_LOG: log, CLAWBACK_TEST_CHILD: '1', OPENCLAW_GATEWAY_TOKEN: 's3cr3t-tok-123' },
    openclaw: { cli: [process.execPath, FAKE_CLI] },
  });
  const calls = (): string[][] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []);
  return { dir, service, calls, cli: gatewayCli(service, realCommandRunner()) };
}

describe('the gateway CLI', () => {
  it('finds the JSON in a CLI answer with a banner before it', () => {
    expect(jsonOf('🦞 OpenClaw 2026.9.6\n{"a":1}\n')).toEqual({ a: 1 });
    expect(jsonOf('nothing')).toBeUndefined();
  });

  it('names the failing accounts of a channel; a quiet account (running, connected, nothing received) is not among them', () => {
    expect(failingAccounts({ channelAccounts: ACCOUNTS }, 'telegram')).toEqual({ accounts: ['ops'], known: true });
    expect(failingAccounts({ channelAccounts: ACCOUNTS }, 'discord')).toEqual({ accounts: [], known: false });
  });

  it('restarts only the failing account through channels.stop and channels.start, and says what the gateway answered', async () => {
    const t = setup({ channelAccounts: ACCOUNTS });
    const r = await restartChannel(t.cli, { kind: 'channel', channel: 'telegram' }, new AbortController().signal, { timeoutMs: 20_000 });
    expect(r).toMatchObject({ ok: true, accounts: ['ops'] });
    expect(r.summary).toMatch(/ops: stopped and started \(started yes, handed-off\)/);
    expect(t.calls()).toEqual([
      ['gateway', 'call', 'channels.status', '--json'],
      ['gateway', 'call', 'channels.stop', '--params', '{"channel":"telegram","accountId":"ops"}', '--json'],
      ['gateway', 'call', 'channels.start', '--params', '{"channel":"telegram","accountId":"ops"}', '--json'],
    ]);
  });

  it('restarts the default account when the status cannot say which, and reports a gateway that does not answer as a failure', async () => {
    const t = setup({ channelAccounts: {} });
    const r = await restartChannel(t.cli, { kind: 'channel', channel: 'telegram' }, new AbortController().signal, { timeoutMs: 20_000 });
    expect(r.accounts).toEqual(['default']);
    expect(r.summary).toMatch(/the default account was restarted/);
    expect(t.calls()[1]).toEqual(['gateway', 'call', 'channels.stop', '--params', '{"channel":"telegram"}', '--json']);
    const down = setup({ callFails: true });
    const d = await restartChannel(down.cli, { kind: 'channel', channel: 'telegram' }, new AbortController().signal, { timeoutMs: 20_000 });
    expect(d.ok).toBe(false);
    expect(d.summary).toMatch(/channels.stop failed: exit 1: gateway closed/);
  });

  it('summarizes the stability bundle, redacted, and says when it is older than the instance', async () => {
    expect(summarizeStability({ path: '/x.json', bundle: BUNDLE })?.text).toMatch(
      /^stability bundle written 2026-11-30T14:06:01.998Z: reason gateway.startup_failed; pid 16920, up 147.7 s; error Error: state lease heartbeat did not become ready .*; 2 recorded event\(s\) \(diagnostic.memory.pressure, payload.large\)$/,
    );
    const t = setup({ bundle: BUNDLE, bundlePath: '/home/u/.openclaw/logs/stability/b.json' });
    const redactor = new Redactor();
    redactor.addSecretEnv(t.service.env);
    const r = await readStabilityBundle(t.cli, redactor, { timeoutMs: 20_000, notBefore: Date.parse('2026-11-30T14:00:00Z') });
    expect(r).toMatchObject({ ok: true, path: '/home/u/.openclaw/logs/stability/b.json' });
    expect(r.summary).toContain('reason gateway.startup_failed');
    expect(r.summary).not.toContain('s3cr3t-tok-123');
    const old = await readStabilityBundle(t.cli, redactor, { timeoutMs: 20_000, notBefore: Date.parse('2026-11-30T15:00:00Z') });
    expect(old.ok).toBe(false);
    expect(old.summary).toMatch(/older than this instance/);
    const none = await readStabilityBundle(setup({}).cli, redactor, { timeoutMs: 20_000 });
    expect(none).toMatchObject({ ok: false });
    expect(none.summary).toMatch(/no stability bundle could be read .*No stability bundles found/);
  });

  it('writes a diagnostics export into the incident folder and returns its path', async () => {
    const t = setup({});
    const dir = path.join(t.dir, 'incidents', 'inc-1');
    mkdirSync(dir, { recursive: true });
    const r = await exportDiagnostics(t.cli, new Redactor(), { dir, incidentId: 'inc-1', timeoutMs: 20_000 });
    expect(r).toMatchObject({ ok: true, path: path.join(dir, 'openclaw-diagnostics-inc-1.zip') });
    expect(existsSync(r.path!)).toBe(true);
  });
});
