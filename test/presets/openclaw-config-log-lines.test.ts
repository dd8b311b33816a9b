// The gateway's own words for a config that blocks its start, read by the preset's log probe from a real log file:
// a `${VAR}` missing from the daemon's environment is the commonest one under a supervisor, and was not recognised.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { openclawPresetConfig } from '../../src/presets/openclaw.js';
import { createLogProbe } from '../../src/probes/log-probe.js';
import type { ProbeConfigOf } from '../../src/probes/probe-schema.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-oc-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Lines openclaw 2026.9.6 prints when its config stops a start (src/config: env-substitution, includes, io.invalid-config). */
const BLOCKING = [
  'Missing env var "OPENROUTER_API_KEY" referenced at config path: models.providers.openrouter.apiKey',
  'Missing secret "pass:openclaw/telegram" referenced at config path: channels.telegram.botToken (pass: not found)',
  'Invalid secret reference "pass:/abs" at config path: hooks.token',
  'OpenClaw config could not be read: /home/u/.openclaw/openclaw.json',
  'Failed to parse include file: ./channels.json5 (resolved: /home/u/.openclaw/channels.json5)',
  'Include path escapes config directory: ../shared.json5 (root: /home/u/.openclaw)',
  'Circular include detected: /home/u/.openclaw/openclaw.json -> /home/u/.openclaw/a.json5 -> /home/u/.openclaw/openclaw.json',
  'Invalid config at /home/u/.openclaw/openclaw.json:',
  'OpenClaw config is invalid: /home/u/.openclaw/openclaw.json',
  // registry-refresh (plugin registry at start) and the status/webhooks lines: "Config invalid: <issues or path>".
  'Config invalid: gateway.port: Invalid input: expected number, received string',
  'Config invalid: ~/.openclaw/openclaw.json',
];

describe('the OpenClaw preset\'s config-invalid log probe', () => {
  it('recognises every line that blocks a start, and not ordinary output', async () => {
    const svc = validateConfig(openclawPresetConfig({ home: '/h' }), 'preset').services[0]!;
    const cfg = svc.probes.find((p) => p.name === 'config-invalid') as ProbeConfigOf<'log'>;
    const file = path.join(dir, 'gateway.log');
    await writeFile(file, '');
    const target: ProbeTarget = { pid: 10, startedAt: 1, logFile: file };
    const probe = createLogProbe(cfg);
    expect((await probe.check(target, AbortSignal.timeout(2000))).status).toBe('success');
    for (const line of BLOCKING) {
      await appendFile(file, `2026-12-04T12:00:00.000Z [gateway] ${line}\n`);
      const r = await probe.check(target, AbortSignal.timeout(2000));
      expect({ line, status: r.status, finding: r.finding }).toEqual({ line, status: 'failure', finding: 'config-invalid' });
    }
    await appendFile(file, '2026-12-04T12:00:01.000Z [gateway] listening on ws://127.0.0.1:18789 (env OPENROUTER_API_KEY set)\n');
    expect((await probe.check(target, AbortSignal.timeout(2000))).status).toBe('success');
  });
});
