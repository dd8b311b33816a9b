// A demo gateway whose config is broken (exit 78 at every start) and whose Level 3 agent waits for an approval, shared by the approval tests.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from './daemon.js';
import { freePort } from './ports.js';
import { DEMO_GATEWAY_SERVER } from './demo.js';
import { startOpenAiStandIn, type StandIn } from '../emergency/model-standins.js';
import type { DaemonOptions } from '../../src/daemon/daemon.js';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { waitFor } from './processes.js';

export interface ApprovalGateway {
  td: TestDaemon;
  /** The OpenAI-compatible stand-in the agent would call: no request reaches it before the approval. */
  standIn: StandIn;
}

/**
 * Starts the stand-in, then a daemon supervising `gw` with `approval: required` plus `emergency`; `config` adds top-level
 * keys (notify...). The caller closes both (td.stop(), standIn.close()) and unsets OPENAI_API_KEY.
 */
export async function brokenGatewayNeedingApproval(
  emergency: Record<string, unknown>,
  config: Record<string, unknown> = {},
  opts: Partial<DaemonOptions> = {},
): Promise<ApprovalGateway> {
  process.env.OPENAI_API_KEY = 'sk-test-approval-0123456789abcdefghij';
  const standIn = await startOpenAiStandIn([{ calls: [{ name: 'finish', arguments: { summary: 'nothing to do' } }] }]);
  const dir = tempDir();
  const port = await freePort();
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }));
  const td = await startTestDaemon(
    {
      ...config,
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
          emergency: { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', approval: 'required', ...emergency },
        },
      ],
    },
    { dir, ...opts },
  ).catch(async (err: unknown) => {
    await standIn.close();
    throw err;
  });
  return { td, standIn };
}

/** brokenGatewayNeedingApproval with the dashboard, once `gw`'s agent run waits for a person's answer (30 s at most). */
export async function approvalOnDashboard(emergency: Record<string, unknown>): Promise<ApprovalGateway> {
  const g = await brokenGatewayNeedingApproval(emergency, {}, { plugins: [dashboardPlugin()] });
  await waitFor(() => g.td.daemon.runtimes.get('gw')!.status().work?.kind === 'approval', { timeoutMs: 30_000 }).catch(async (err: unknown) => {
    await closeApprovalGateway(g);
    throw err;
  });
  return g;
}

/** Closes what brokenGatewayNeedingApproval started (nothing when it did not start) and unsets OPENAI_API_KEY. */
export async function closeApprovalGateway(g: ApprovalGateway | undefined): Promise<void> {
  await g?.td.stop();
  await g?.standIn.close();
  delete process.env.OPENAI_API_KEY;
}
