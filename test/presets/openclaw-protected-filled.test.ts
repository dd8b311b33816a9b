// `clawback init --preset openclaw` writes the preset's protected list into clawback.yaml as it was that day. The
// preset has protected more since (gateway.tls, serviceAccountFile, tokenFile): a config written before would not get
// them, and a whole-file restore could still drop TLS or put an old key file back. The loader adds them to a gateway's
// own list, as it fills in the restart patterns.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { protectedValues } from '../../src/doctor/protected-settings.js';
import { tempDir } from '../helpers/daemon.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('OpenClaw preset: protected settings added since init reach older configs', () => {
  it('a gateway written with the older list gets the new patterns, keeps its own; other services are untouched', () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(
      file,
      [
        'services:',
        '  - name: gw',
        '    command: [openclaw, gateway, run]',
        '    openclaw: { cli: [openclaw] }',
        // What init wrote before gateway.tls and the credential files were protected, and one pattern of the user's.
        '    configFile: { path: openclaw.json, protect: [gateway.auth, gateway.port, gateway.bind, "channels.**.*token", my.own.setting] }',
        '  - name: other',
        '    command: [node, app.js]',
        '    configFile: { path: app.json, protect: [a.b] }',
      ].join('\n'),
    );
    const { config } = loadConfig({ file, env: {} });
    const gw = config.services.find((s) => s.name === 'gw')!.configFile!.protect;
    expect(gw).toEqual(expect.arrayContaining([...OPENCLAW_PROTECTED_SETTINGS, 'my.own.setting']));
    expect(new Set(gw).size).toBe(gw.length);
    expect(config.services.find((s) => s.name === 'other')!.configFile!.protect).toEqual(['a.b']);
    // What that means for a restore: TLS and a Google Chat key file are protected values of the gateway's config.
    const values = protectedValues(
      { gateway: { tls: { enabled: true, certPath: '/c.pem' } }, channels: { googlechat: { serviceAccountFile: '/k.json' } } },
      gw,
    );
    expect([...values.keys()].sort()).toEqual(['channels.googlechat.serviceAccountFile', 'gateway.tls.certPath', 'gateway.tls.enabled']);
  });
});
