import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { preflight } from '../../src/doctor/preflight.js';
import { checkPortFree } from '../../src/doctor/port-bind-check.js';
import { freePort } from '../helpers/ports.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

function listen(): Promise<{ server: net.Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
  });
}

describe('preflight', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { validate: false });
  });
  afterEach(() => fx.cleanup());

  it('a startable service has no findings, quickly', async () => {
    fx.withService({ port: await freePort(), requiredEnv: ['CLAWBACK_TEST_CHILD'] });
    const t0 = performance.now();
    expect(await preflight(fx.service)).toEqual([]);
    // The budget is 50 ms; allow a loaded CI box some slack.
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('reports a missing cwd, a missing command (path and PATH), a missing env key and a busy port', async () => {
    const busy = await listen();
    try {
      fx.withService({
        cwd: path.join(fx.dir, 'nope'),
        command: [path.join(fx.dir, 'bin', 'gateway')],
        requiredEnv: ['GATEWAY_TOKEN', 'CLAWBACK_TEST_CHILD'],
        port: busy.port,
      });
      const findings = await preflight(fx.service, { inheritedEnv: {} });
      const ids = findings.map((f) => f.id).sort();
      expect(ids).toEqual(
        [
          `preflight.command:${path.join(fx.dir, 'bin', 'gateway')}`,
          `preflight.cwd:${path.join(fx.dir, 'nope')}`,
          'preflight.env:GATEWAY_TOKEN',
          `preflight.port:${busy.port}`,
        ].sort(),
      );
      expect(findings.every((f) => f.severity === 'critical' && !f.fixable)).toBe(true);

      fx.withService({ cwd: fx.dir, command: ['no-such-program-clawback'], env: { PATH: '/usr/bin:/bin', CLAWBACK_TEST_CHILD: '1' }, requiredEnv: [], port: undefined });
      const onPath = await preflight(fx.service);
      expect(onPath.map((f) => f.id)).toEqual(['preflight.command:no-such-program-clawback']);
      expect(onPath[0]!.evidence).toContain('/usr/bin:/bin');
      fx.withService({ command: ['node'], env: { PATH: path.dirname(process.execPath), CLAWBACK_TEST_CHILD: '1' } });
      expect(await preflight(fx.service)).toEqual([]);
    } finally {
      busy.server.close();
    }
  });

  it('reports an unusable config and honours a portInUse override', async () => {
    await fs.writeFile(fx.configPath, '{"port":');
    fx.withService({ port: 1 });
    const findings = await preflight(fx.service, { portInUse: async () => true });
    expect(findings.map((f) => f.rule).sort()).toEqual(['preflight.config', 'preflight.port']);
  });

  it('checkPortFree: busy loopback port is in use, a free one is free', async () => {
    const busy = await listen();
    try {
      expect((await checkPortFree(busy.port)).state).toBe('in-use');
    } finally {
      busy.server.close();
    }
    expect((await checkPortFree(await freePort())).state).toBe('free');
  });
});
