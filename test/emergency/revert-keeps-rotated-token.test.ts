// A person rotates a protected token in the config while a (real command) agent edits it: the revert keeps the new token.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

const configWith = (port: unknown, token: string): string => `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port, gateway: { auth: { token } } }, null, 2)}\n`;

async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the revert of a run during which a protected setting changed', () => {
  it("puts the agent's edits back but keeps the token a person rotated during the run, and says so", async () => {
    scenario = await makeScenario({ configText: configWith('oops', 'old-token-aaaaaaaaaaaaaaaa'), protect: ['gateway.auth.token'] });
    const s = scenario;
    const marker = path.join(s.dir, 'person-done');
    const agent = path.join(s.dir, 'agent.sh');
    // The agent fixes the port, then waits (bounded) while the person rotates the token in the same file.
    await fs.writeFile(
      agent,
      `cat > '${s.host.configPath}' <<'CFG'\n${configWith(0, 'old-token-aaaaaaaaaaaaaaaa')}CFG\ni=0\nwhile [ ! -e '${marker}' ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done\necho fixed the port\n`,
    );
    const run = s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      'inc-rotated-token',
    );
    await waitFor('the agent edit', async () => (await fs.readFile(s.host.configPath, 'utf8').catch(() => '')).includes('"port": 0'));
    // The person's rotation, in the file as it is now.
    await fs.writeFile(s.host.configPath, configWith(0, 'new-token-bbbbbbbbbbbbbbbb'));
    await fs.writeFile(marker, '');
    const r = await run;

    expect(r.outcome).toBe('failed');
    const now = JSON.parse(await fs.readFile(s.host.configPath, 'utf8')) as { port: unknown; gateway: { auth: { token: string } } };
    expect(now.port, "the agent's edit is reverted").toBe('oops');
    expect(now.gateway.auth.token, "the person's new token is kept").toBe('new-token-bbbbbbbbbbbbbbbb');
    const fin = s.events.find((e) => e.type === 'agent.finished')!;
    expect(fin.message).toContain('gateway.auth.token');
    expect(fin.message).toContain('kept as they are now');
    expect(fin.message).not.toContain('new-token-bbbb');
    expect(fin.details?.carriedProtected).toEqual({ [s.host.configPath]: ['gateway.auth.token'] });
  }, 60_000);
});

describe('the revert of a run that masked a protected token', () => {
  it('puts the real token back: a "[REDACTED]" mask the agent wrote is never carried into the reverted file', async () => {
    const original = configWith('oops', 'real-token-cccccccccccccccc');
    scenario = await makeScenario({ configText: original, protect: ['gateway.auth.token'] });
    const s = scenario;
    const agent = path.join(s.dir, 'agent.sh');
    await fs.writeFile(agent, `cat > '${s.host.configPath}' <<'CFG'\n${configWith(0, '[REDACTED]')}CFG\necho fixed the port\n`);
    const r = await s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      'inc-masked-token',
    );
    expect(r.outcome).toBe('failed');
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(original);
  }, 60_000);
});
