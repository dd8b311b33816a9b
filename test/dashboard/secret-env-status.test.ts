// A service's secret environment values never reach the dashboard's status: a variable the shared secret-name rule calls a
// secret (GW_PASSPHRASE) was not learned by the redactor, and the service's own last lines in /api/status showed it
// to any local reader (reads need no token on loopback) and to the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/observe/redact.js';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const PASSPHRASE = 'correcthorsebatterystaple';
const KEY = 'k3yMaterialNotAToken77';

describe('Redactor.addSecretEnv', () => {
  it('learns every variable the shared secret-name rule calls a secret, and still not a setting', () => {
    const r = new Redactor();
    r.addSecretEnv({ GW_PASSPHRASE: PASSPHRASE, SSH_PRIVATE_KEY: KEY, AUTH_ENABLED: 'true', PASSPHRASE_MIN_LENGTH: '12' });
    expect(r.redact(`boot with ${PASSPHRASE} and ${KEY}`)).toBe('boot with [REDACTED] and [REDACTED]');
    expect(r.redact('enabled: true, min 12')).toBe('enabled: true, min 12');
  });
});

describe('GET /api/status of a service that prints its passphrase', () => {
  let td: TestDaemon;
  beforeAll(async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'leaky',
          command: [NODE, '-e', "console.log('boot with', process.env.GW_PASSPHRASE); setTimeout(() => process.exit(1), 200)"],
          env: { GW_PASSPHRASE: PASSPHRASE },
          restart: { backoff: { initial: '5s', max: '10s' } },
        },
      ],
    });
  });
  afterAll(async () => {
    await td?.stop();
  });

  it('shows its last lines with the passphrase redacted', async () => {
    const port = td.daemon.api!.port;
    const text = await waitFor(
      async () => {
        const t = await (await fetch(`http://127.0.0.1:${port}/api/status`)).text();
        return t.includes('boot with') ? t : null;
      },
      { timeoutMs: 20_000, message: 'the last lines in the status' },
    );
    expect(text).toContain('boot with [REDACTED]');
    expect(text).not.toContain(PASSPHRASE);
  });
});
