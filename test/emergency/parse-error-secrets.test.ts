// A config with a syntax error right beside a secret: the parser's message (Node's JSON.parse quotes ~10 characters
// either side, yaml a code frame) must not carry the secret's characters to the model, cut or whole.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { emergencyHost } from '../../src/daemon/emergency-wiring.js';
import { SnapshotStores } from '../../src/daemon/doctor-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { ServiceRuntime } from '../../src/daemon/service-runtime.js';
import { executeToolCall } from '../../src/emergency/tool-set.js';
import { looseSecretValues } from '../../src/emergency/loose-config-secrets.js';
import { Redactor } from '../../src/observe/redact.js';
import { parseConfigText } from '../../src/platform/config-file.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const SECRET = 'Qz7hunter2Wq9Lp4Xk8Rv3';

let fx: DoctorFixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(() => fx.cleanup());

it.each([
  ['an unquoted value', `{\n  "name": "demo-gateway",\n  "password": ${SECRET},\n  "port": 18789\n}\n`],
  ['a quoted value before a missing comma', `{\n  "name": "demo-gateway",\n  "gatewayToken": "${SECRET}" "port": 18789\n}\n`],
  ['a quoted value before a stray brace', `{"name":"demo-gateway","password":"${SECRET}"}}`],
])('%s: validate_config as the model sees it names where, never any 4 characters of the secret', { timeout: 30_000 }, async (_label, text) => {
  await fs.writeFile(fx.configPath, text);
  const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: (e: never) => fx.events.push(e) } as unknown as DaemonContext;
  const runtime = () => ({ status: () => ({ state: 'stopped', pid: null }) }) as unknown as ServiceRuntime;
  const host = emergencyHost(fx.service, ctx, runtime, new SnapshotStores());
  // As a run registers them for a config no parser reads.
  const redactor = new Redactor();
  for (const v of looseSecretValues(text)) redactor.addSecret(v);
  const r = await executeToolCall('validate_config', { text }, { host, redactor, mode: 'fix' });
  expect(r.content).toMatch(/invalid/);
  for (let i = 0; i + 4 <= SECRET.length; i++) expect(r.content).not.toContain(SECRET.slice(i, i + 4));
  expect(r.content).toMatch(/line \d+, column \d+/);
});

it("yaml's error keeps its line and column, not the quoted line", () => {
  const r = parseConfigText(`name: gw\npassword: ${SECRET}: x\n`, 'yaml');
  expect(r.ok).toBe(false);
  expect(!r.ok && r.error).toMatch(/at line 2, column \d+$/);
  expect(!r.ok && r.error).not.toContain(SECRET.slice(0, 4));
});
