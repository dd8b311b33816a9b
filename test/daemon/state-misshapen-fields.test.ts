// A state.json that parses but has a field of the wrong shape (a hand edit, a bit flip): the field is dropped and said,
// the file kept as evidence, and the service is supervised as usual instead of being held by a hold that is no hold.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

describe('state.json with fields of the wrong shape', () => {
  it('held: 5 no longer keeps a healthy service down; the field, its value and the expectation are said', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const saved = { version: 1, services: { web: { record: { held: 5, restartsTotal: 3 }, incident: null }, gone: 7 } };
    writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify(saved), { mode: 0o600 });

    const t = await startTestDaemon({ services: [{ name: 'web', command: [NODE, '-e', 'setInterval(() => {}, 1000)'] }] }, { dir });
    daemons.push(t);
    const web = await waitFor(
      () => {
        const s = (t.daemon.status().services as Array<{ name: string; pid: number | null; restarts: number; held: unknown }>).find((x) => x.name === 'web');
        return s?.pid ? s : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(web.held).toBeNull();
    expect(web.restarts).toBe(3); // the well-shaped fields are kept

    const lost = t.journal().find((e) => e.type === 'daemon.history-lost' && /wrong shape/.test(e.message));
    expect(lost?.message).toContain('services.web.record.held was 5 (expected null or {reason, detail, since})');
    expect(lost?.message).toContain('services.gone was 7');
    const keptAs = (lost?.details as { keptAs: string }).keptAs;
    expect(existsSync(keptAs)).toBe(true);
    expect(JSON.parse(readFileSync(keptAs, 'utf8'))).toEqual(saved);
  });
});
