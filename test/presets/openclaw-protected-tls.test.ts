// gateway.tls is how the gateway listens, like gateway.port and gateway.bind: a restore from a copy seen healthy before
// TLS was turned on put the gateway back on plain HTTP, so the https:// probes `clawback init --preset openclaw` wrote
// for it failed at every check (a restart each ~2 min) and the clients that trust its certificate lost it.
import { afterEach, describe, expect, it } from 'vitest';
import { serviceSchema } from '../../src/config/schema.js';
import { openclawService } from '../../src/presets/openclaw.js';
import { tlsDrift } from '../../src/openclaw/tls-drift.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

describe('OpenClaw preset: gateway.tls survives a whole-file restore', () => {
  let fx: DoctorFixture | undefined;
  afterEach(() => fx?.cleanup());

  it('keeps gateway.tls as the user set it since the copy was seen healthy; the https probes still fit', async () => {
    // The preset as init writes it for a TLS gateway, its protected list, with a validator that runs here.
    const preset = openclawService({ home: '/home/u', configPath: '/home/u/.openclaw/openclaw.json', port: 18789, tls: true });
    fx = await openclawRestoreFixture((preset.configFile as { protect: string[] }).protect);
    const old = { gateway: { mode: 'local', port: 18789, bind: 'loopback' }, agents: { defaults: { maxTokens: 1000 } } };
    const tls = { enabled: true, certPath: '/home/u/.openclaw/gateway/tls/cert.pem', keyPath: '/home/u/.openclaw/gateway/tls/key.pem' };
    // TLS turned on since; then gateway.mode lost (the validator names no path: the whole file is restored).
    const now = { gateway: { mode: 'local', port: 18789, bind: 'loopback', tls }, agents: { defaults: { maxTokens: 2000 } } };
    const { report, restored: file } = await restoreWholeFile(fx, old, now);
    expect(report.outcomes[0]!.verified).toBe(true);
    const restored = file as { gateway: Record<string, unknown> };
    expect(restored.gateway.tls).toEqual(tls);
    // What the daemon checks at start: the preset's https:// probes against the restored file's gateway.tls.
    expect(tlsDrift(serviceSchema.parse(preset), restored.gateway.tls !== undefined && (restored.gateway.tls as { enabled?: boolean }).enabled === true, fx.configPath)).toBeUndefined();
  });
});
