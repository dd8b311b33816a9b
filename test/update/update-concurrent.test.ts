// Two `clawback update NAME` at once (CLI, dashboard, chat) without a version: the first asks npm for the latest one
// (seconds), and the second, arriving meanwhile, must be refused, not start a second run on the same service beside it.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/doctor/types.js';
import { readToken } from '../../src/server/token.js';
import { updatePlugin } from '../../src/update/update-plugin.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('POST /api/update/NAME twice at once', () => {
  it('starts one run; the request that arrives while npm view answers gets 409', async () => {
    const calls: string[][] = [];
    const runner = async (argv: readonly string[]): Promise<RunResult> => {
      calls.push([...argv]);
      if (argv.includes('view')) {
        await new Promise((r) => setTimeout(r, 500));
        return { code: 0, signal: null, stdout: '1.0.1\n', stderr: '' };
      }
      return { code: 1, signal: null, stdout: '', stderr: 'not in this test' };
    };
    td = await startTestDaemon(
      { services: [{ name: 'gw', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], update: { package: 'fake-gw' } }] },
      { plugins: [updatePlugin({ runner })] },
    );
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;
    const post = () => fetch(`${base}/api/update/gw`, { method: 'POST', headers: { authorization: `Bearer ${readToken(td!.stateDir)}` } });
    const [a, b] = await Promise.all([post(), post()]);
    const answers = [
      { status: a.status, body: (await a.json()) as { ok: boolean; message: string } },
      { status: b.status, body: (await b.json()) as { ok: boolean; message: string } },
    ].sort((x, y) => x.status - y.status);
    expect(answers.map((x) => x.status)).toEqual([202, 409]);
    expect(answers[1]!.body.message).toMatch(/already running \(looking up the latest fake-gw version\)/);
    expect(calls.filter((c) => c.includes('view'))).toHaveLength(1);
  });
});
