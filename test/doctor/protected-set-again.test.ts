// A protected setting removed by hand and then set again gets an all-clear (info, resolved, same finding id): the
// warning used to stay open for good, with nothing saying the token was back.
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

const findings = protectedRemovedFindings;
const config = (token?: string): string => `{\n  // trailing commas and comments: JSON5\n  gateway: { mode: 'local', auth: { ${token ? `token: '${token}',` : ''} }, },\n}\n`;

describe('a protected setting set again after its removal was reported', () => {
  it('is said (info, resolved), once; a second removal is warned of again', async () => {
    const dir = tempDir();
    const port = await freePort();
    const cfg = path.join(dir, 'openclaw.json5');
    writeFileSync(cfg, config('tok-secret-815'));
    const t = (td = await startTestDaemon(protectedGateway(cfg, port), { dir }));
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });
    writeFileSync(cfg, config());
    await waitFor(() => findings(t).length >= 1, { timeoutMs: 20_000, message: () => 'the removal warned of' });
    expect(findings(t)[0]!.severity).toBe('warning');

    writeFileSync(cfg, config('tok-secret-816')); // set again (a new value is the user's business)
    await waitFor(() => findings(t).some((e) => e.details?.resolved === true), { timeoutMs: 20_000, message: () => 'an all-clear once the token is back' });
    const ok = findings(t).find((e) => e.details?.resolved === true)!;
    expect(ok.severity).toBe('info');
    expect(ok.details).toMatchObject({ findingId: 'protected-removed:gw', restored: ['gateway.auth.token'] });
    expect(ok.message).toContain('gateway.auth.token set again');
    expect(ok.message).not.toContain('tok-secret');

    writeFileSync(cfg, config());
    await waitFor(() => findings(t).filter((e) => e.severity === 'warning').length >= 2, { timeoutMs: 20_000, message: () => 'the second removal warned of' });
    expect(findings(t).filter((e) => e.details?.resolved === true)).toHaveLength(1);
  }, 90_000);
});
