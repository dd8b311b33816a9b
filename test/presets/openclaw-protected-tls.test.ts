// gateway.tls is how the gateway listens, like gateway.port and gateway.bind: a restore from a copy seen healthy before
// TLS was turned on put the gateway back on plain HTTP, so the https:// probes `clawback init --preset openclaw` wrote
// for it failed at every check (a restart each ~2 min) and the clients that trust its certificate lost it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { serviceSchema } from '../../src/config/schema.js';
import { openclawService } from '../../src/presets/openclaw.js';
import { tlsDrift } from '../../src/openclaw/tls-drift.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg.gateway && !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
`;

describe('OpenClaw preset: gateway.tls survives a whole-file restore', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('keeps gateway.tls as the user set it since the copy was seen healthy; the https probes still fit', async () => {
    const validator = await fx.script('validate.mjs', VALIDATOR);
    const configPath = path.join(fx.dir, 'openclaw.json');
    // The preset as init writes it for a TLS gateway, with a validator that runs here.
    const preset = openclawService({ home: fx.dir, configPath, port: 18789, tls: true });
    const cf = preset.configFile as Record<string, unknown>;
    fx.withService({ configFile: { path: configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: cf.protect as string[] } });
    fx.configPath = configPath;
    const old = { gateway: { mode: 'local', port: 18789, bind: 'loopback' }, agents: { defaults: { maxTokens: 1000 } } };
    const tls = { enabled: true, certPath: '/home/u/.openclaw/gateway/tls/cert.pem', keyPath: '/home/u/.openclaw/gateway/tls/key.pem' };
    await fx.snapshots.save(Buffer.from(JSON.stringify(old, null, 2)), { sourcePath: configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    // TLS turned on since; then gateway.mode lost (the validator names no path: the whole file is restored).
    const broken = { gateway: { port: 18789, bind: 'loopback', tls }, agents: { defaults: { maxTokens: 2000 } } };
    await fs.writeFile(configPath, JSON.stringify(broken, null, 2), { mode: 0o600 });

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]!.verified).toBe(true);
    const restored = JSON5.parse(await fs.readFile(configPath, 'utf8')) as { gateway: Record<string, unknown> };
    expect(restored.gateway.tls).toEqual(tls);
    // What the daemon checks at start: the preset's https:// probes against the restored file's gateway.tls.
    expect(tlsDrift(serviceSchema.parse(preset), restored.gateway.tls !== undefined && (restored.gateway.tls as { enabled?: boolean }).enabled === true, configPath)).toBeUndefined();
  });
});
