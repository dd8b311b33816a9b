// A person's stop that cuts a Level 3 agent run while its doctor tool runs: the doctor pass read its signal's reason and
// said "its deadline or the daemon stopping" (the run's own abort dropped the person's handover); it says theirs now.
import { afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';
import { cutCauseText } from '../../src/doctor/cut-cause.js';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

describe('Level 3 agent run cut by a person while its doctor pass runs', () => {
  it("the doctor pass's cut reason names the person's action, not its deadline", async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const outer = new AbortController();
    const said: string[] = [];
    // The doctor pass (its real signal): cut while it runs, it says why, as rule-config-restore and doctor-wiring do.
    scenario.host.runDoctor = (signal?: AbortSignal) =>
      new Promise<string>((resolve) => {
        const done = (): void => {
          said.push(cutCauseText(signal));
          resolve(`doctor cut (${cutCauseText(signal)})`);
        };
        if (signal?.aborted) return done();
        signal?.addEventListener('abort', done, { once: true });
        outer.abort({ handover: 'clawback stop gw by alice' });
      });
    standIn = await startOpenAiStandIn([{ calls: [{ name: 'run_doctor', arguments: {} }] }, { calls: [{ name: 'finish', arguments: { summary: 'ran the doctor' } }] }]);
    await scenario.run(
      { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '120s', verifyWindow: '500ms' },
      { signal: outer.signal, adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx0123' } } },
    );
    expect(said).toEqual(["cut by a person's own action: clawback stop gw by alice"]);
  }, 60_000);
});
