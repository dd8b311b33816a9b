// The etcd password's variable (cluster.auth.passwordEnv) is the daemon's credential: its services do not inherit it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';

const VAR = 'CLAWBACK_TEST_ETCD_PW_ENV';
const SECRET = 'etcd-pw-4411-never-in-a-service';

describe('cluster.auth.passwordEnv', () => {
  let td: TestDaemon | undefined;
  afterEach(async () => {
    await td?.stop();
    td = undefined;
    delete process.env[VAR];
  });

  it('is not passed on to the services (nor reaches their logs); a service that names it in env still gets its own value', async () => {
    // The daemon runs in this process: its passwordEnv is read from this environment. etcd need not answer.
    process.env[VAR] = SECRET;
    const show = (name: string, env: Record<string, string> = {}) => ({ name, command: ['sh', '-c', `echo "seen=[\${${VAR}:-none}]"; exec sleep 600`], env });
    td = await startTestDaemon({
      cluster: { member: 'm', endpoints: [`http://127.0.0.1:${await freePort()}`], leaseTtl: '5s', prefix: `pwenv-${process.pid}`, auth: { username: 'root', passwordEnv: VAR } },
      services: [show('side'), show('own', { [VAR]: 'its-own-value' })],
    });
    const log = (n: string): string => {
      try {
        return readFileSync(path.join(td!.stateDir, 'logs', `${n}.log`), 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor(() => log('side').includes('seen=[') && log('own').includes('seen=['), { timeoutMs: 20_000, message: () => `both services to print: ${log('side')} | ${log('own')}` });
    expect(log('side')).toContain('seen=[none]');
    expect(log('side')).not.toContain(SECRET);
    expect(log('own')).toContain('seen=[its-own-value]');
  }, 60_000);
});
