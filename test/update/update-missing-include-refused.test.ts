// `clawback update gw 1.0.1` while gw.json `$include`s a file that is gone: gw (1.0.0, healthy) was stopped, switched to
// 1.0.1, held at its start by the daemon's preflight (the include is missing), watched for the whole 8 s, then rolled
// back to 1.0.0, which the preflight held too: a running service left down after 18 s. A start that would be refused
// for certain is now refused before anything is touched, naming the include; once the file is there the update runs.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';

let h: UpdateHarness;
let missing: string;
beforeAll(async () => {
  h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['1.0.1', 'good']] });
  const d = path.dirname(h.cfgPath);
  missing = path.join(d, 'missing.json');
  await fs.writeFile(path.join(d, 'auth.json'), JSON.stringify({ gateway: { auth: { token: 't-1' } } }));
  // gw 1.0.0 already runs; the include goes missing after its start (a person moved it).
  await fs.writeFile(h.cfgPath, JSON.stringify({ port: h.port, $include: ['./auth.json', './missing.json'] }));
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe('an update of a service whose config $includes a missing file', () => {
  it('is refused before the service is stopped, naming the include; with the file back it runs', async () => {
    const dry = await runCli(['update', 'gw', '1.0.1', '--dry-run', '--state-dir', h.td.stateDir], { timeoutMs: 60_000 });
    expect(dry.stdout + dry.stderr).toMatch(new RegExp(`blocked: .*${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(missing\\)`));
    const exitsBefore = h.td.events.filter((e) => e.type === 'service.exited').length;
    const r = await h.update('1.0.1');
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const view = await h.finished(r.body.runId);
    expect(view.report?.outcome, JSON.stringify(view.report)).toBe('blocked');
    expect(view.report?.message).toContain(`${missing} (missing)`);
    expect(view.steps.map((s) => s.step)).not.toContain('stop');
    // Never stopped, never switched: 1.0.0 still serves.
    expect(await h.current()).toBe('1.0.0');
    expect(await h.version()).toBe('1.0.0');
    expect(h.td.events.filter((e) => e.type === 'service.exited').length).toBe(exitsBefore);

    await fs.writeFile(missing, JSON.stringify({ agents: {} }));
    const again = await h.update('1.0.1');
    const done = await h.finished(again.body.runId);
    expect(done.report?.outcome, JSON.stringify(done.report)).toBe('succeeded');
    expect(await h.version()).toBe('1.0.1');
  }, 150_000);
});
