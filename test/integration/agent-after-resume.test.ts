// On real processes: a person's resume after a failed Level 3 run starts the service at once and buys no second paid run.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('resume after a failed agent run', () => {
  it('a flapping service resumed by a person: started at once, and when the series trips again no second agent run, Level 4 says why', { timeout: 180_000 }, async () => {
    const port = await freePort();
    // Healthy at once, dead 3 s later: a slow flapper.
    const flapper = `require('http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1'); setTimeout(() => process.exit(1), 3000);`;
    td = await startTestDaemon({
      services: [
        {
          name: 'gw',
          command: [NODE, '-e', flapper],
          restart: { backoff: { initial: '100ms', max: '500ms' }, flapping: { window: '60s', maxRecurrences: 1 } },
          doctor: { attempts: 1, confirmAfter: '1s' },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '200ms', timeout: '500ms', startupGrace: '2s' }],
          emergency: {
            adapter: 'command',
            command: [NODE, '-e', "console.log('cannot fix it'); process.exit(1)"],
            timeBox: '30s',
            verifyWindow: '1s',
            budget: { runs: 3, window: '24h' },
          },
        },
      ],
    });
    const t = td;
    const of = (type: string) => t.events.filter((e) => e.type === type);

    // The series trips: doctor (nothing found), the agent (fails), a person.
    const first = await waitFor(() => of('incident.escalated')[0], { timeoutMs: 90_000 });
    expect(first.message).toContain('the agent did not fix it');
    expect(of('agent.started')).toHaveLength(1);
    await waitFor(() => t.daemon.runtimes.get('gw')!.status().state === 'held', { timeoutMs: 20_000 });

    // The person resumes: the service starts at once, no doctor first.
    const doctorsBefore = of('incident.action').filter((e) => e.details?.['action'] === 'doctor').length;
    const answer = await t.daemon.action('gw', 'resume');
    expect(answer.message).toMatch(/running \(pid \d+\)/);
    expect(of('incident.action').filter((e) => e.details?.['action'] === 'doctor')).toHaveLength(doctorsBefore);

    // It flaps again: the series trips again, the doctor runs, and then a person, not a second paid run.
    const second = await waitFor(() => of('incident.escalated')[1], { timeoutMs: 90_000 });
    expect(second.message).toContain(`the agent did not fix this failure in incident ${first.incidentId}`);
    expect(of('agent.started')).toHaveLength(1);
    expect(t.daemon.runtimes.get('gw')!.status().incident).toMatchObject({ level: 4, status: 'waiting-human' });
  });
});
