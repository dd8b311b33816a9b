// A change to an `$include`d file of the service's config is seen on the next tick, like one to the main file: a token
// removed from it was warned of only at the 60 s full check, and a secret kept in it was never redacted at all.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { protectedGateway, protectedRemovedFindings } from '../helpers/protected-gateway.js';
import { freePort } from '../helpers/ports.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const finding = (t: TestDaemon) => protectedRemovedFindings(t)[0];

describe('an included file of the service config is watched', () => {
  it('redacts its secrets and warns of a token removed from it within seconds, not at the 60 s full check', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(path.join(dir, 'openclaw.json5'), "{\n  gateway: { mode: 'local', $include: './auth.json5' },\n}\n");
    writeFileSync(path.join(dir, 'auth.json5'), "{ auth: { token: 'tok-included-4711' } }\n");
    td = await startTestDaemon(protectedGateway(path.join(dir, 'openclaw.json5'), port), { dir });
    const t = td;
    const redact = (s: string): string => t.daemon.ctx.redactor.redact(s);
    await waitFor(() => !redact('said tok-included-4711').includes('tok-included-4711'), { timeoutMs: 20_000, message: () => 'the included token redacted' });
    // Past the first full checks (the service healthy, its config seen), a new secret in the included file is learnt at once.
    await waitFor(() => t.daemon.runtimes.get('gw')?.healthySinceMs() != null, { timeoutMs: 20_000, message: () => 'gw healthy' });
    await new Promise((r) => setTimeout(r, 3_000));
    writeFileSync(path.join(dir, 'auth.json5'), "{ auth: { token: 'tok-included-4711' }, models: { apiKey: 'key-new-0815' } }\n");
    const wrote = Date.now();
    await waitFor(() => !redact('said key-new-0815').includes('key-new-0815'), { timeoutMs: 30_000, message: () => 'the new included secret redacted' });
    expect(Date.now() - wrote).toBeLessThan(30_000);

    writeFileSync(path.join(dir, 'auth.json5'), '{ auth: {} }\n');
    const removed = Date.now();
    await waitFor(() => finding(t) !== undefined, { timeoutMs: 30_000, message: () => 'a protected-removed warning for the token removed from the included file' });
    expect(Date.now() - removed).toBeLessThan(30_000);
    expect(finding(t)!.details).toMatchObject({ removed: ['gateway.auth.token'] });
  }, 90_000);
});
