// The gateway's words when another OpenClaw process owns its state dir, read by the preset's state-in-use log probe from a
// real log file. Measured with openclaw 2026.9.6: a second `gateway run` on another port, same HOME, exits 78 at once with
// these lines (and `openclaw doctor --fix` exits 1 with the first); no other probe named them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { openclawPresetConfig } from '../../src/presets/openclaw.js';
import { openclawLayout } from '../../src/presets/openclaw-layout.js';
import { createLogProbe } from '../../src/probes/log-probe.js';
import type { ProbeConfigOf } from '../../src/probes/probe-schema.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-oc-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MEASURED = [
  'Doctor could not enter maintenance. StateDatabaseCoordinatorContentionError: another OpenClaw process owns gateway-lifecycle Stop the Gateway service and other OpenClaw processes using this state, then run openclaw doctor --fix from an independent shell.',
  'Gateway failed to start: Doctor could not enter maintenance. StateDatabaseCoordinatorContentionError: another OpenClaw process owns gateway-lifecycle Stop the Gateway service and other OpenClaw processes using this state, then run openclaw doctor --fix from an independent shell. | gateway.maintenance_required. Stop the service with openclaw gateway stop (or its service owner), then run openclaw doctor --fix, then start it again with openclaw gateway start.',
];
/** The same refusal's other wordings in the gateway's source (gateway-lock, doctor-agent-lease-refusal). */
const SOURCE = [
  'Gateway failed to start: gateway already running (pid 5022); lock timeout after 5000ms',
  'Gateway failed to start: state directory is locked by sqlite-maintenance (pid 77); lock timeout after 5000ms',
  'waiting for gateway-lifecycle ownership held by another OpenClaw process, up to 300 s',
  'Doctor could not enter maintenance. An agent database is in use. Stop other OpenClaw processes using this state, then retry the update.',
];
/** Ordinary lines, and a state migration the gateway's own doctor does cure: not this finding. */
const NOT_IT = [
  '[gateway] requires state migration. Stop the service with openclaw gateway stop (or its service owner), then run openclaw doctor --fix, then start it again with openclaw gateway start.',
  '[gateway] listening on ws://127.0.0.1:41789',
  '[gateway] gateway-lifecycle ownership acquired after 2.1 s',
];

describe("the OpenClaw preset's state-in-use log probe", () => {
  it('names the gateway exiting because another OpenClaw process owns its state dir, and nothing else', async () => {
    const svc = validateConfig(openclawPresetConfig({ home: '/h' }), 'preset').services[0]!;
    const cfg = svc.probes.find((p) => p.name === 'state-in-use') as ProbeConfigOf<'log'>;
    expect(cfg).toMatchObject({ kind: 'log', finding: 'state-in-use', action: 'notify' });
    const file = path.join(dir, 'gateway.log');
    await writeFile(file, '');
    const target: ProbeTarget = { pid: 10, startedAt: 1, logFile: file };
    const probe = createLogProbe(cfg);
    for (const line of NOT_IT) {
      await appendFile(file, `${line}\n`);
      const r = await probe.check(target, AbortSignal.timeout(5000));
      expect({ line, status: r.status }).toEqual({ line, status: 'success' });
    }
    for (const line of [...MEASURED, ...SOURCE]) {
      await appendFile(file, `\u001b[36m[gateway]\u001b[39m ${line}\n`);
      const r = await probe.check(target, AbortSignal.timeout(5000));
      expect({ line, status: r.status, finding: r.finding }).toEqual({ line, status: 'failure', finding: 'state-in-use' });
    }
  });

  it('is not a config fault: the config-invalid and port-in-use probes stay quiet on these lines', () => {
    const svc = validateConfig(openclawPresetConfig({ home: '/h' }), 'preset').services[0]!;
    for (const name of ['config-invalid', 'port-in-use']) {
      const p = svc.probes.find((x) => x.name === name) as ProbeConfigOf<'log'>;
      const re = new RegExp(p.pattern, p.flags);
      for (const line of [...MEASURED, ...SOURCE]) expect({ name, line, hit: re.test(line) }).toEqual({ name, line, hit: false });
    }
  });

  it("the Level 3 notes say what it means and that the owner is not to be stopped", () => {
    const notes = openclawLayout({ home: '/h', port: 41789 }).notes.join('\n');
    expect(notes).toMatch(/another OpenClaw process owns gateway-lifecycle/);
    expect(notes).toMatch(/\/h\/\.openclaw\/tmp\/openclaw-<uid>\/gateway\.state\.lock; do not stop it yourself/);
  });
});
