// A protected setting kept in an `$include`d file and removed while the daemon was down is said at the next start: the
// copy seen healthy used to be resolved against today's included file (already without it), so nothing was compared.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
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

async function daemon(dir: string, port: number): Promise<TestDaemon> {
  td = await startTestDaemon(protectedGateway(path.join(dir, 'openclaw.json5'), port), { dir });
  return td;
}

describe('protected setting removed from an included file while the daemon was down', () => {
  it('is reported at the next start, naming the path, never the value', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(path.join(dir, 'openclaw.json5'), "{\n  // main file\n  gateway: { mode: 'local', $include: './auth.json5' },\n}\n");
    writeFileSync(path.join(dir, 'auth.json5'), "{ auth: { token: 'tok-secret-4711' } }\n");
    const first = await daemon(dir, port);
    const includedCopies = (): string[] => {
      try {
        const root = path.join(first.stateDir, 'snapshots', 'gw', 'included');
        return readdirSync(root).flatMap((d) => readdirSync(path.join(root, d)).filter((f) => f.endsWith('.snap')));
      } catch {
        return [];
      }
    };
    await waitFor(() => includedCopies().length > 0, { timeoutMs: 20_000, message: () => 'a copy of the included file seen healthy' });
    expect(finding(first)).toBeUndefined();
    await first.stop();
    td = undefined;

    // A person (or a tool) drops the token from the included file while no daemon runs.
    writeFileSync(path.join(dir, 'auth.json5'), '{ auth: {} }\n');
    const second = await daemon(dir, port);
    await waitFor(() => finding(second) !== undefined, { timeoutMs: 20_000, message: () => 'a protected-removed warning after the restart' });
    const w = finding(second)!;
    expect(w.severity).toBe('warning');
    expect(w.details).toMatchObject({ removed: ['gateway.auth.token'], fixable: false });
    expect(w.message).toContain('gateway.auth.token removed');
    expect(w.message).not.toContain('tok-secret-4711');
  }, 60_000);
});
