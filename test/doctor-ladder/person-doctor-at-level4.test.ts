// A person's `clawback doctor` at Level 4 (the doctor and the agent failed on a crash loop) that repairs the service:
// the service is started. Before, the loop's restarts still filled the restart window, the one start after the repair
// tripped the breaker, and the service went back to Level 4 unstarted, paged with "restarts do not hold after the doctor".
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { startOpenAiStandIn, type StandIn } from '../emergency/model-standins.js';

const KEY = 'sk-test-ladder2-0123456789abcdefghij';
let td: TestDaemon | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await standIn?.close();
  standIn = undefined;
  delete process.env.OPENAI_API_KEY;
});

describe("a person's doctor run at Level 4", () => {
  it('that repairs a crash loop starts the service, and the incident resolves', async () => {
    process.env.OPENAI_API_KEY = KEY;
    // The agent does nothing and says it is done: not believed, Level 4.
    standIn = await startOpenAiStandIn([{ calls: [{ name: 'finish', arguments: { summary: 'all good, trust me' } }] }]);
    const dir = tempDir();
    const fixedFlag = path.join(dir, 'migrated');
    const allowed = path.join(dir, 'allowed');
    // The service crashes until its own doctor has migrated its state; the doctor can do so only once a person has
    // done their part (the file `allowed`).
    const svc = `if (!require('node:fs').existsSync(${JSON.stringify(fixedFlag)})) process.exit(1); setInterval(() => {}, 1e9);`;
    const doctor = `const fs = require('node:fs'); if (!fs.existsSync(${JSON.stringify(allowed)})) process.exit(1); fs.writeFileSync(${JSON.stringify(fixedFlag)}, 'done')`;
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, '-e', svc],
            doctor: { command: [NODE, '-e', doctor], attempts: 1, confirmAfter: '1s' },
            restart: { backoff: { initial: '50ms', max: '200ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '5m' } },
            emergency: { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '1s' },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    const msgs = (): string => t.events.filter((e) => e.type !== 'service.exited' && e.type !== 'service.started' && e.type !== 'service.restarting').slice(-25).map((e) => `${e.type}: ${e.message}`).join('\n');
    await waitFor(() => rt.status().incident?.status === 'waiting-human' && rt.status().work === null, { timeoutMs: 40_000, message: msgs });
    expect(t.events.some((e) => e.type === 'agent.finished'), msgs()).toBe(true);
    const paged = t.events.filter((e) => e.type === 'incident.escalated').length;
    // The person does their part and asks for the doctor (as `clawback doctor svc` does).
    writeFileSync(allowed, 'yes');
    const r = await t.daemon.action('svc', 'doctor');
    expect(r.ok, r.message).toBe(true);
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 30_000, message: msgs });
    expect(existsSync(fixedFlag)).toBe(true);
    expect(rt.status().state).toBe('running');
    // No second page claiming the repair did not hold.
    expect(t.events.filter((e) => e.type === 'incident.escalated').length, msgs()).toBe(paged);
    expect(t.events.some((e) => /restarts do not hold after the doctor/.test(e.message)), msgs()).toBe(false);
  }, 90_000);
});
