// A model looping on run_doctor (16 a turn, every turn) runs the doctor a bounded number of times per agent run.
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';
import { MAX_CALLS_PER_TURN, MAX_DOCTOR_RUNS_PER_RUN } from '../../src/emergency/tool-loop.js';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

describe('Level 3 API agent: doctor passes per run are bounded', () => {
  it('three turns of 16 run_doctor calls: the doctor runs at most the cap, every call answered, the cap reported once', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const loop = { calls: Array.from({ length: MAX_CALLS_PER_TURN }, () => ({ name: 'run_doctor', arguments: {} })) };
    standIn = await startOpenAiStandIn([loop, loop, loop, { calls: [{ name: 'finish', arguments: { summary: 'ran the doctor' } }] }]);
    const before = scenario.host.calls.length;
    const r = await scenario.run(
      { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '120s', verifyWindow: '500ms' },
      { adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx0123' } } },
    );
    const doctorRuns = scenario.host.calls.slice(before).filter((c) => c === 'runDoctor').length;
    expect(doctorRuns).toBe(MAX_DOCTOR_RUNS_PER_RUN);
    // Every call id got its result; the ones past the cap refused, the model told to finish.
    const last = standIn.requests[standIn.requests.length - 1]!.body.messages as Array<{ role: string; content: string }>;
    const results = last.filter((m) => m.role === 'tool');
    expect(results).toHaveLength(3 * MAX_CALLS_PER_TURN);
    const capped = results.filter((m) => m.content.startsWith('REFUSED: the doctor has run'));
    expect(capped).toHaveLength(3 * MAX_CALLS_PER_TURN - MAX_DOCTOR_RUNS_PER_RUN);
    expect(capped[0]!.content).toContain('call finish');
    // Reported once, not once per refused call.
    expect(scenario.events.filter((e) => e.details?.action === 'agent-tool-refused')).toHaveLength(1);
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript).toContain('REFUSED');
  }, 180_000);
});
