// `clawback doctor` called a listener on another address than the service's own "[critical] port P is held by another
// program" when it did not know which address the service binds (OpenClaw's bind tailnet, a service no probe names an
// address of), although the service could start beside it: the preflight calls the same refusal uncertain. Real
// listener process on 127.0.0.2 only: an uncertain warning that says why; critical once the service's address is known.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { portHolderRule } from '../../src/doctor/rule-port-holder.js';
import { isAlive, spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const LISTENER = "require('net').createServer().listen(0, '127.0.0.2', function () { process.stdout.write('port=' + this.address().port + '\\n'); });";

describe('port-holder rule, a listener on another address than 127.0.0.1 or a wildcard', () => {
  let fx: DoctorFixture;
  let holder: MarkedChild;
  let port: number;

  beforeEach(async () => {
    holder = spawnMarked(process.execPath, ['-e', LISTENER]);
    port = Number(/port=(\d+)/.exec(await holder.waitForStdout(/port=\d+/, 10_000))![1]);
    fx = await makeFixture({}, { validate: false });
  });
  afterEach(async () => {
    holder.kill();
    await holder.waitForExit(5000);
    await fx.cleanup();
  });

  it('is an uncertain warning, with why, while the service\'s address is not known', async () => {
    fx.withService({ port, probes: [], openclaw: undefined });
    const report = await runDoctor(fx.ctx({ isOwnInstance: () => false }), { fix: true, rules: [portHolderRule()] });
    expect(report.findings).toHaveLength(1);
    const f = report.findings[0]!;
    expect(f).toMatchObject({ rule: 'port-holder', severity: 'warning', fixable: false, title: `port ${port} may be held by another program (uncertain)` });
    expect(f.evidence).toContain(`pid ${holder.pid}`);
    expect(f.evidence).toContain('not on 127.0.0.1 or a wildcard address');
    expect(f.evidence).toContain('which address');
    expect(isAlive(holder.pid)).toBe(true);
  });

  it('stays critical when the service binds that address (its probe names it)', async () => {
    fx.withService({ port, probes: [{ kind: 'http', url: `http://127.0.0.2:${port}/healthz` }], openclaw: undefined });
    const report = await runDoctor(fx.ctx({ isOwnInstance: () => false }), { fix: true, rules: [portHolderRule()] });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ severity: 'critical', title: `port ${port} is held by another program` });
  });
});
