// The README's status JSON example has the keys a real daemon's `clawback status --json` / GET /api/status has.
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { fencedBlocks } from './markdown.js';

const SLEEPER = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));

/** JSON with `// comments` (as the README annotates the example) to a value. */
export function parseAnnotatedJson(text: string): unknown {
  const stripped = text
    .split('\n')
    .map((l) => l.replace(/\s\/\/.*$/, ''))
    .join('\n');
  return JSON.parse(stripped);
}

/**
 * Differences in shape: keys missing on either side, at every level where both sides are objects (arrays: their
 * first elements). A null on one side against an object on the other is no difference (the README shows a healthy
 * service, so `incident: null` documents an object that only exists during an incident).
 */
export function shapeDiff(doc: unknown, real: unknown, at = '$', open: ReadonlySet<string> = new Set()): string[] {
  if (Array.isArray(doc) && Array.isArray(real)) return doc.length && real.length ? shapeDiff(doc[0], real[0], `${at}[0]`, open) : [];
  // A value of another kind (a string where the daemon gives an object, a number for an array) is a difference too.
  if (doc !== null && real !== null && kind(doc) !== kind(real)) return [`${at}: the README shows ${kind(doc)}, the daemon gives ${kind(real)}`];
  if (!doc || !real || typeof doc !== 'object' || typeof real !== 'object' || Array.isArray(doc) || Array.isArray(real)) return [];
  const d = doc as Record<string, unknown>;
  const r = real as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(r)) if (!(k in d) && !open.has(at)) out.push(`${at}.${k}: in the daemon's output, not in the README`);
  for (const k of Object.keys(d)) {
    if (!(k in r)) out.push(`${at}.${k}: in the README, not in the daemon's output`);
    else out.push(...shapeDiff(d[k], r[k], `${at}.${k}`, open));
  }
  return out;
}

function kind(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

let t: TestDaemon | undefined;
let health: http.Server | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await new Promise((resolve) => (health ? health.close(resolve) : resolve(undefined)));
  health = undefined;
});

describe('README status JSON', () => {
  it('has the same keys as a real daemon', async () => {
    const block = fencedBlocks('README.md').find((b) => b.marker === 'status-json');
    expect(block, 'README.md needs a ```json block marked <!-- status-json -->').toBeDefined();
    const documented = parseAnnotatedJson(block!.text);

    // The service's health endpoint: a real HTTP server on a free loopback port (the README shows an http probe).
    health = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => health!.listen(0, '127.0.0.1', resolve));
    const port = (health.address() as AddressInfo).port;
    t = await startTestDaemon({
      // A channel and a scaled service, as the README shows them (their parts of the output are empty without).
      notify: { channels: [{ type: 'webhook', name: 'discord', url: `http://127.0.0.1:${port}/hook` }] },
      services: [
        {
          name: 'gateway',
          command: [process.execPath, SLEEPER],
          probes: [{ kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/health`, interval: '200ms' }, { kind: 'memory', limit: '1GiB', interval: '200ms' }],
        },
        { name: 'web', command: [process.execPath, SLEEPER], instances: 1 },
      ],
    });
    const daemon = t.daemon;
    await waitFor(() => (daemon.status() as { services: Array<{ health: string }> }).services[0]!.health === 'healthy' || null, {
      timeoutMs: 20_000,
      message: 'the service to turn healthy',
    });
    const real = JSON.parse(JSON.stringify(daemon.status())) as unknown;
    // lastResult differs by probe kind (value, finding, details): the README's keys must exist, others may.
    const diff = shapeDiff(documented, real, '$', new Set(['$.services[0].probes[0].lastResult']));
    expect(diff, JSON.stringify(real, null, 2)).toEqual([]);
  });
});
