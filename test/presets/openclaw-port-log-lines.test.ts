// The gateway's words for a port someone else holds, read by the preset's port-in-use log probe from a real log file:
// openclaw 2026.9.6 prints them in two cases (src/infra/ports.ts), and the lowercase one was not recognised.
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
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-oc-port-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Lines openclaw 2026.9.6 prints when its port is taken (handlePortError, PortInUseError, a raw listen error). */
const PORT_TAKEN = [
  'Gateway failed: port 41789 is already in use.',
  'Port 41789 is already in use.',
  'Error: listen EADDRINUSE: address already in use 127.0.0.1:41789',
];

describe("the OpenClaw preset's port-in-use log probe", () => {
  it('recognises every wording of a taken port, and not ordinary output', async () => {
    const svc = validateConfig(openclawPresetConfig({ home: '/h' }), 'preset').services[0]!;
    const cfg = svc.probes.find((p) => p.name === 'port-in-use') as ProbeConfigOf<'log'>;
    const file = path.join(dir, 'gateway.log');
    await writeFile(file, '');
    const target: ProbeTarget = { pid: 10, startedAt: 1, logFile: file };
    const probe = createLogProbe(cfg);
    expect((await probe.check(target, AbortSignal.timeout(2000))).status).toBe('success');
    for (const line of PORT_TAKEN) {
      await appendFile(file, `2026-12-04T12:00:00.000Z [gateway] ${line}\n`);
      const r = await probe.check(target, AbortSignal.timeout(2000));
      expect({ line, status: r.status, finding: r.finding }).toEqual({ line, status: 'failure', finding: 'port-in-use' });
    }
    await appendFile(file, '2026-12-04T12:00:01.000Z [gateway] listening on ws://127.0.0.1:41789 (port 41789 is free again)\n');
    expect((await probe.check(target, AbortSignal.timeout(2000))).status).toBe('success');
  });
});
