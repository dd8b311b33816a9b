// The installed daemon starts from systemd/launchd/cron with PATH and the session basics only: variables the config
// takes from the daemon's environment (set in the installing shell) are missing there, and nothing said so.
import type { ClawbackConfig } from '../config/schema.js';
import { AGENT_KEY_ENV } from '../emergency/agent-env.js';
import { DEFAULT_API_KEY_ENV } from '../emergency/emergency-schema.js';

/** Set by every service manager (or by the unit itself: PATH): never missing under the unit. */
const GIVEN = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'TERM', 'TMPDIR']);

export interface UnitEnvGap {
  name: string;
  /** Who reads it: `services[i].requiredEnv`, `emergency.apiKeyEnv`… */
  readBy: string;
  /** Set in the installing shell (so what works from it now would not work under the unit). */
  setHere: boolean;
  /** A service's own variable (requiredEnv): its `env:` in the config can hold it; an agent's comes from the daemon. */
  ofService: boolean;
}

/** The variables the config names from the daemon's environment that the installed unit will not carry. Names only. */
export function unitEnvGaps(config: ClawbackConfig, env: Record<string, string | undefined>): UnitEnvGap[] {
  const gaps = new Map<string, UnitEnvGap>();
  const add = (name: string, readBy: string, ofService = false): void => {
    if (GIVEN.has(name) || gaps.has(name)) return;
    gaps.set(name, { name, readBy, setHere: env[name] !== undefined && env[name] !== '', ofService });
  };
  config.services.forEach((s, i) => {
    for (const name of s.requiredEnv) if (s.env[name] === undefined) add(name, `services[${i}].requiredEnv (${s.name})`, true);
    const e = s.emergency;
    if (!e) return;
    if (e.apiKeyEnv) add(e.apiKeyEnv, `services[${i}].emergency.apiKeyEnv`);
    // The adapter's default key variable and a CLI agent's own ones count only when set here (a local endpoint needs
    // no key; most users log a CLI in instead).
    const defaults = [...(e.apiKeyEnv ? [] : [DEFAULT_API_KEY_ENV[e.adapter as keyof typeof DEFAULT_API_KEY_ENV]]), ...(AGENT_KEY_ENV[e.adapter] ?? [])];
    for (const name of defaults) if (name && env[name]) add(name, `the ${e.adapter} agent of services[${i}]`);
    for (const name of e.passEnv ?? []) add(name, `services[${i}].emergency.passEnv`);
  });
  return [...gaps.values()];
}

/** One install note per gap (names, never values), with where such a variable belongs instead. */
export function unitEnvNotes(gaps: UnitEnvGap[], manager: 'systemd' | 'launchd' | 'cron', unit: string): string[] {
  const daemonEnv =
    manager === 'systemd'
      ? `a drop-in: \`systemctl --user edit ${unit}\`, an \`Environment=NAME=value\` line under [Service] (kept across installs)`
      : manager === 'launchd'
        ? "the daemon plist's EnvironmentVariables (a new `clawback install` rewrites the plist: add it again)"
        : 'a `NAME=value` line above the guardian entry in your crontab';
  return gaps.map((g) => {
    const where = g.ofService ? `that service's \`env:\` in the config (a file readable only by you for a secret), or ${daemonEnv}` : daemonEnv;
    return `${g.name} (read by ${g.readBy}) is ${g.setHere ? 'set in this shell but will not be' : 'not set in this shell, nor'} in the installed daemon's environment: set it in ${where}`;
  });
}
