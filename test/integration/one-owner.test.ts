// Issue 16 on real processes: one reducer decides, so people, agents, verifications and daemon restarts cannot race it.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { startOpenAiStandIn, type StandIn, type ScriptStep } from '../emergency/model-standins.js';
import { environOf } from '../../src/platform/proc.js';
import { findPortListeners } from '../../src/doctor/port-listeners.js';
import { AGENT_RESTARTS_PER_RUN } from '../../src/decide/policy.js';

const BROKEN = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2) + '\n';
const FIXED = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }, null, 2) + '\n';
const KEY = 'sk-test-owner-0123456789abcdefghij';

let daemons: TestDaemon[] = [];
let standIn: StandIn | undefined;
let release: (() => void) | undefined;
let escapedPort: number | undefined;
afterEach(async () => {
  release?.();
  release = undefined;
  for (const d of daemons) await d.stop();
  daemons = [];
  await standIn?.close();
  standIn = undefined;
  if (escapedPort !== undefined) {
    const { pids } = await findPortListeners(escapedPort);
    for (const pid of pids) if (environOf(pid, 'CLAWBACK_TEST_CHILD') === '1') process.kill(pid, 'SIGKILL');
    escapedPort = undefined;
  }
  delete process.env.OPENAI_API_KEY;
});

interface GatewaySetup {
  dir: string;
  cfg: string;
  port: number;
  service: Record<string, unknown>;
}

async function gateway(extra: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<GatewaySetup> {
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, BROKEN);
  const port = await freePort();
  return {
    dir,
    cfg,
    port,
    service: {
      name: 'gw',
      command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
      env,
      configFile: { path: cfg, format: 'json', validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] },
      probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
      ...extra,
    },
  };
}

async function withAgent(script: ScriptStep[], extra: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<{ t: TestDaemon; g: GatewaySetup }> {
  process.env.OPENAI_API_KEY = KEY;
  standIn = await startOpenAiStandIn(script);
  const g = await gateway({ emergency: { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '4s', ...extra } }, env);
  const t = await startTestDaemon({ services: [g.service] }, { dir: g.dir });
  daemons.push(t);
  return { t, g };
}

const count = (t: TestDaemon, type: string): number => t.events.filter((e) => e.type === type).length;

describe('one owner decides (issue 16)', () => {
  it('start on a service waiting for a human lifts the hold, starts it, and the incident ends human-resolved (16.1)', async () => {
    const g = await gateway();
    const t = await startTestDaemon({ services: [g.service] }, { dir: g.dir });
    daemons.push(t);
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().incident?.status === 'waiting-human', { timeoutMs: 30_000 });
    writeFileSync(g.cfg, FIXED);
    const answer = await t.daemon.action('gw', 'start');
    expect(answer.message).toMatch(/running \(pid \d+\)/);
    expect(rt.status().held).toBeNull();
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 20_000 });
    expect(t.events.find((e) => e.type === 'incident.resolved')?.details).toMatchObject({ outcome: 'human-resolved' });
    expect((await httpGet(`http://127.0.0.1:${g.port}/health`, 1000)).status).toBe(200);
  });

  it('an agent that restarts before its fix is in place neither trips the breaker nor pages a human (16.2)', async () => {
    const { t, g } = await withAgent([
      { calls: [{ name: 'restart_service', arguments: {} }] },
      { calls: [{ name: 'restart_service', arguments: {} }] },
      { calls: [{ name: 'restart_service', arguments: {} }] },
      { calls: [{ name: 'write_config', arguments: { text: FIXED } }] },
      { calls: [{ name: 'restart_service', arguments: {} }] },
      { calls: [{ name: 'finish', arguments: { summary: 'port was "oops"; set to 0' } }] },
    ]);
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved') && t.events.some((e) => e.type === 'agent.finished'), { timeoutMs: 60_000 });
    expect(count(t, 'incident.escalated')).toBe(0);
    expect(count(t, 'agent.started')).toBe(1);
    expect(t.events.find((e) => e.type === 'agent.finished')?.details?.outcome).toBe('fixed');
    const resolved = t.events.find((e) => e.type === 'incident.resolved')!;
    expect(resolved.details).toMatchObject({ highestLevel: 3, outcome: 'auto-resolved' });
    expect(readFileSync(g.cfg, 'utf8')).toBe(FIXED);
  });

  it('a looping agent restarts the service at most AGENT_RESTARTS_PER_RUN times a run; the rest are refused and the model told so', async () => {
    const steps: ScriptStep[] = [{ calls: [{ name: 'write_config', arguments: { text: FIXED } }] }];
    for (let i = 0; i < AGENT_RESTARTS_PER_RUN + 2; i++) steps.push({ calls: [{ name: 'restart_service', arguments: {} }] });
    steps.push({ calls: [{ name: 'finish', arguments: { summary: 'port set to 0' } }] });
    const { t } = await withAgent(steps);
    await waitFor(() => t.events.some((e) => e.type === 'agent.finished'), { timeoutMs: 90_000 });
    const agentRestarts = t.events.filter((e) => e.type === 'service.restarting' && e.details?.reason === 'agent');
    expect(agentRestarts).toHaveLength(AGENT_RESTARTS_PER_RUN);
    expect(t.events.filter((e) => e.details?.action === 'agent-restarts-refused')).toHaveLength(1);
    const last = standIn!.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
    const told = last.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(told.filter((c) => c.includes(`has restarted gw ${AGENT_RESTARTS_PER_RUN} times`))).toHaveLength(2);
    expect(t.events.find((e) => e.type === 'agent.finished')?.details?.outcome).toBe('fixed');
  }, 120_000);

  it('a fix that holds 1.5 s is no recovery: reverted, held at Level 4 on the same incident, one agent run only (16.3)', async () => {
    const { t, g } = await withAgent(
      [
        { calls: [{ name: 'write_config', arguments: { text: FIXED } }] },
        { calls: [{ name: 'finish', arguments: { summary: 'fixed the port' } }] },
      ],
      {},
      { DEMO_CRASH_AFTER_MS: '1500' },
    );
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 60_000 });
    const incident = t.events.find((e) => e.type === 'agent.started')!.incidentId;
    expect(t.events.find((e) => e.type === 'incident.escalated')!.incidentId).toBe(incident);
    expect(count(t, 'incident.resolved')).toBe(0);
    // Held: nothing starts it again, and no second paid agent run follows.
    await new Promise((r) => setTimeout(r, 6000));
    expect(rt.status().state).toBe('held');
    expect(rt.status().pid).toBeNull();
    expect(count(t, 'agent.started')).toBe(1);
    expect(readFileSync(g.cfg, 'utf8')).toBe(BROKEN);
    expect(t.events.filter((e) => e.type === 'agent.finished').map((e) => e.details?.outcome)).toEqual(['failed']);
  });

  it('an agent that fails at once: Level 4 names its failure and the first cause within seconds (16.4)', async () => {
    const g = await gateway({
      emergency: { adapter: 'command', command: [NODE, '-e', "console.log('Error: Not logged in. Run /login'); process.exit(1)"], timeBox: '60s', verifyWindow: '30s' },
    });
    const t = await startTestDaemon({ services: [g.service] }, { dir: g.dir });
    daemons.push(t);
    const esc = await waitFor(() => t.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 60_000 });
    expect(esc.message).toContain('Not logged in');
    expect(esc.message).toContain('exited 1');
    expect(esc.message).toContain('exit code 78');
    const started = t.events.find((e) => e.type === 'agent.started')!;
    // The verdict (revert, agent.finished) is carried out before the person is paged (their fix must not be reverted).
    const finished = await waitFor(() => t.events.find((e) => e.type === 'agent.finished'), { timeoutMs: 10_000 });
    expect(t.events.indexOf(finished)).toBeLessThan(t.events.indexOf(esc));
    // No verification window is spent polling a held service.
    expect(finished.time - started.time).toBeLessThan(10_000);
    expect(esc.time - started.time).toBeLessThan(10_000);
  });

  it('a Level 3 run in flight when the daemon restarts is failed explicitly, reverted and escalated (16.5)', async () => {
    const hold = new Promise<void>((r) => (release = r));
    const { t, g } = await withAgent([{ calls: [{ name: 'write_config', arguments: { text: FIXED.replace('0', '1') } }] }, { hold, text: 'thinking' }]);
    await waitFor(() => t.events.some((e) => e.type === 'agent.started'), { timeoutMs: 40_000 });
    await waitFor(() => readFileSync(g.cfg, 'utf8') !== BROKEN, { timeoutMs: 20_000 });
    await t.daemon.stop({ stopServices: false });
    daemons = [];
    const t2 = await startTestDaemon({ services: [g.service] }, { dir: g.dir });
    daemons.push(t2);
    await waitFor(() => t2.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 20_000 });
    expect(t2.events.some((e) => e.type === 'incident.action' && e.details?.action === 'work-failed')).toBe(true);
    expect(readFileSync(g.cfg, 'utf8')).toBe(BROKEN);
    expect(t2.daemon.runtimes.get('gw')!.status().incident?.status).toBe('waiting-human');
  });

  it('a spawn failure is a failure like any other: never "running" without a pid, and the ladder climbs (16.6)', async () => {
    const dir = tempDir();
    // It exists and is executable, but its interpreter does not: exec fails with ENOENT. The preflight now names a missing
    // #! interpreter before any start; it is off here, so the spawn itself fails (a file changed between the two).
    const script = path.join(dir, 'bad-interpreter');
    writeFileSync(script, '#!/nonexistent/interpreter\n', { mode: 0o755 });
    const t = await startTestDaemon(
      { services: [{ name: 'svc', command: [script], restart: { backoff: { initial: '50ms', max: '100ms' }, intensity: { maxRestarts: 3, window: '1m' } } }] },
      { dir, makePreflight: () => undefined },
    );
    daemons.push(t);
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 20_000 });
    const s = rt.status();
    expect(s.state === 'running' && s.pid === null).toBe(false);
    expect(t.events.find((e) => e.type === 'service.exited')?.message).toContain('ENOENT');
  });

  it('a child that escapes its group and re-takes the port cannot loop forever: restarts after the doctor count (16.8)', async () => {
    const dir = tempDir();
    const port = await freePort();
    escapedPort = port;
    const t = await startTestDaemon(
      {
        services: [
          {
            name: 'esc',
            command: [NODE, path.join(FIXTURES, 'escape-port.mjs'), String(port)],
            port,
            restart: { backoff: { initial: '50ms', max: '200ms' }, intensity: { maxRestarts: 4, window: '1m' } },
            doctor: { attempts: 3 },
          },
        ],
      },
      { dir },
    );
    daemons.push(t);
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 60_000 });
    const starts = count(t, 'service.started');
    expect(starts).toBeLessThanOrEqual(12);
    await new Promise((r) => setTimeout(r, 2000));
    expect(count(t, 'service.started')).toBe(starts);
  });
});

describe('a slow-dying leftover (issue 16.9)', () => {
  // A 512 MiB heap takes tens of ms to be freed after SIGKILL, and the kernel closes the
  // worker's sockets only after that: the port is still held when an immediate restart checks it.
  it('the restart waits for the old group to be gone instead of finding the port held and paging a human', { timeout: 200_000 }, async () => {
    const dir = tempDir();
    const port = await freePort();
    const t = await startTestDaemon(
      {
        services: [
          {
            name: 'heavy',
            command: [NODE, path.join(FIXTURES, 'slow-leftover.mjs'), String(port), '512'],
            port,
            probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/`, interval: '300ms', timeout: '1s', startupGrace: '80s' }],
          },
        ],
      },
      { dir },
    );
    daemons.push(t);
    const rt = t.daemon.runtimes.get('heavy')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 90_000 });
    process.kill(rt.status().pid!, 'SIGKILL');
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 90_000 });
    expect(count(t, 'incident.escalated')).toBe(0);
    expect(t.events.filter((e) => e.type === 'breaker.tripped').map((e) => e.message)).toEqual([]);
    expect((await httpGet(`http://127.0.0.1:${port}/`, 2000)).status).toBe(200);
  });
});
