// A service with no process (stopped by a person, held) must not keep reporting the memory of its last process.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('/metrics of a stopped service', () => {
  it('drops clawback_service_memory_rss_bytes while no process runs (a "near its limit" alert would fire on it for ever) and reports it again once started', async () => {
    td = await startTestDaemon({ services: [{ name: 'a', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [{ kind: 'memory', limit: '1GB', interval: '200ms' }] }] });
    const t = td;
    const scrape = async (): Promise<string> => {
      const text = await (await fetch(`http://127.0.0.1:${t.daemon.api!.port}/metrics`)).text();
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
      expect(check.status, `promtool check metrics:\n${check.stdout}${check.stderr}`).toBe(0);
      return text;
    };
    const rssLine = (text: string): string | undefined => text.split('\n').find((l) => l.startsWith('clawback_service_memory_rss_bytes{service="a"}'));
    const rt = (): NonNullable<ReturnType<typeof t.daemon.runtimes.get>> => t.daemon.runtimes.get('a')!;
    await waitFor(() => rt().status().probes.some((p) => p.kind === 'memory' && p.lastResult?.value !== undefined), { timeoutMs: 15_000 });
    expect(rssLine(await scrape())).toMatch(/ \d+$/);

    expect((await t.daemon.action('a', 'stop')).ok).toBe(true);
    await waitFor(() => rt().status().state === 'stopped', { timeoutMs: 15_000 });
    const stopped = await scrape();
    expect(stopped).toContain('clawback_service_up{service="a"} 0');
    expect(rssLine(stopped)).toBeUndefined();
    // The limit is configuration, still there for dashboards.
    expect(stopped).toContain('clawback_service_memory_limit_bytes{service="a"} 1000000000');

    expect((await t.daemon.action('a', 'start')).ok).toBe(true);
    await waitFor(async () => rssLine(await scrape()) !== undefined, { timeoutMs: 15_000 });
  }, 60_000);
});
