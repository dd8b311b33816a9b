// A dependency down: the demo gateway's "database" (examples/demo-gateway/dependency.mjs) refuses connections for a while; the gateway must say not-ready and stay up, Clawback must not restart it.
import { isLoopbackHost } from '../server/auth.js';
import type { Scenario, ScenarioRun } from './drill-context.js';
import { demoGatewaySettings, outageHoldMs, readinessUrlOf } from './demo-gateway-settings.js';
import { postSwitch } from './fault-switch.js';
import { runReadinessFault } from './readiness-fault.js';
import { httpStatusOf } from './serving-check.js';
import { pollUntil } from './poll.js';

export const dependencyDownScenario: Scenario = {
  name: 'dependency-down',
  notApplicable(ctx) {
    const s = demoGatewaySettings(ctx.target.service);
    if (typeof s === 'string') return s;
    if (!s.dependencyUrl) return 'not applicable: the demo gateway config names no dependency (set dependency.url to a demo dependency: node examples/demo-gateway/dependency.mjs --port N)';
    let host: string;
    try {
      host = new URL(s.dependencyUrl).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return `not applicable: dependency.url ${s.dependencyUrl} is not a URL`;
    }
    if (!isLoopbackHost(host)) return `not applicable: the dependency ${s.dependencyUrl} is not on loopback; drills are loopback only`;
    if (!readinessUrlOf(ctx.target.check)) return 'not applicable: the service has no HTTP/TCP check to find its /readyz from';
    return undefined;
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const s = demoGatewaySettings(ctx.target.service) as { dependencyUrl: string };
    const holdMs = outageHoldMs(ctx.target.service);
    const down = new URL('/fault/down', s.dependencyUrl);
    // The dependency comes back by itself after ms (also when the drill is killed); the drill only waits for it.
    down.searchParams.set('ms', String(holdMs));
    return runReadinessFault(ctx, before, {
      label: 'dependency down',
      readyUrl: readinessUrlOf(ctx.target.check)!,
      holdMs,
      recoverFrom: 'return',
      async take() {
        const status = await postSwitch(down.toString(), 2000);
        return status === 202 ? undefined : `the dependency's switch ${down.origin}/fault/down answered ${status || 'nothing'} (expected 202: is it examples/demo-gateway/dependency.mjs?)`;
      },
      async giveBack() {
        // Bounded: it listens again at holdMs; allow 5 s more, each look awaited up to the time left of that wait.
        await pollUntil(
          async (left) => {
            const r = await httpStatusOf(s.dependencyUrl, left);
            return r >= 200 && r < 300;
          },
          { clock: ctx.clock, timeoutMs: 5000, intervalMs: 100 },
        );
      },
    });
  },
};
