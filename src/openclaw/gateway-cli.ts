// One way to ask the OpenClaw CLI something on behalf of a supervised gateway: its argv, the service's env, a bound, JSON out.
import type { ServiceConfig } from '../config/schema.js';
import { serviceEnv } from '../config/service-env.js';
import type { CommandRunner } from '../platform/command-runner.js';

export interface GatewayCli {
  /** Runs `<cli> ...args`; `json` is the parsed JSON of stdout when there was one. Never rejects. */
  run(args: string[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CliAnswer>;
}

export interface CliAnswer {
  ok: boolean;
  code: number | null;
  json: unknown;
  /** The command's own words when it failed (stderr tail, or why it did not run). */
  error: string;
  stdout: string;
}

/** The JSON document in a CLI's stdout (it may print a banner or log lines before it). */
export function jsonOf(stdout: string): unknown {
  const t = stdout.trim();
  for (const [open, close] of [['{', '}'], ['[', ']']] as const) {
    const a = t.indexOf(open);
    const b = t.lastIndexOf(close);
    if (a < 0 || b <= a) continue;
    try {
      return JSON.parse(t.slice(a, b + 1));
    } catch {
      // not this bracket pair
    }
  }
  return undefined;
}

function tail(text: string, max = 400): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

export function gatewayCli(service: ServiceConfig, runner: CommandRunner): GatewayCli {
  const cli = service.openclaw?.cli;
  return {
    async run(args, opts) {
      if (!cli) return { ok: false, code: null, json: undefined, error: `service ${service.name} has no openclaw.cli`, stdout: '' };
      const r = await runner.run([...cli, ...args], {
        timeoutMs: opts.timeoutMs,
        // The runner merges over the daemon's env: removed variables are passed as undefined to stay removed. The CLI
        // picks its gateway by OPENCLAW_GATEWAY_PORT, else the config's gateway.port (else 18789): the port Clawback pins
        // on the command line is the gateway's, and a config naming another would send channels.stop to a sibling.
        env: {
          ...Object.fromEntries(service.unsetEnv.map((k) => [k, undefined])),
          ...serviceEnv(service),
          ...(service.port !== undefined ? { OPENCLAW_GATEWAY_PORT: String(service.port) } : {}),
          // OPENCLAW_GATEWAY_URL beats that port (openclaw 2026.9.6 connection-details): one exported in the daemon's
          // environment for a remote gateway sent channels.stop there. Only the service's own env may name a URL.
          OPENCLAW_GATEWAY_URL: service.env.OPENCLAW_GATEWAY_URL,
          NO_COLOR: '1',
        },
        ...(service.cwd ? { cwd: service.cwd } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const json = jsonOf(r.stdout);
      const ok = r.code === 0 && !r.timedOut && !r.error;
      const why = r.error ?? (r.timedOut ? `timed out after ${Math.round(opts.timeoutMs / 1000)} s` : `exit ${r.code ?? r.signal}: ${tail(r.stderr) || tail(r.stdout)}`);
      return { ok, code: r.code, json, error: ok ? '' : why, stdout: r.stdout };
    },
  };
}
