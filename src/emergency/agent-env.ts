// The environment a CLI agent gets, built from an allowlist: the agent reads untrusted log text, so the daemon's own
// secrets (other tools' API keys, CLAWBACK_* tokens, AWS_*, webhook URLs in env) must never reach it.

/** Plain session variables every agent may see (LC_* too): none of them is a secret. */
export const AGENT_BASE_ENV = ['PATH', 'HOME', 'LANG', 'TERM', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL'] as const;

/** Each CLI adapter's documented key variables: the only secrets passed on without being named in the config. */
export const AGENT_KEY_ENV: Record<string, readonly string[]> = {
  claude: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'],
  codex: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
  gemini: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  command: [],
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function pick(from: Record<string, string | undefined>, keep: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined && NAME.test(k) && keep(k)) out[k] = v;
  return out;
}

/** The base variables alone (PATH, HOME, LANG, LC_*…): what the tmux client (and so a tmux server it starts) carries. */
export function baseAgentEnv(from: Record<string, string | undefined>): Record<string, string> {
  const base = new Set<string>(AGENT_BASE_ENV);
  return pick(from, (k) => base.has(k) || k.startsWith('LC_'));
}

/**
 * The agent's whole environment: the base variables, the adapter's key variables, the ones the config names
 * (emergency.passEnv, emergency.apiKeyEnv), then `extra` (set explicitly by the caller) over them.
 */
export function agentEnv(
  from: Record<string, string | undefined>,
  adapter: string,
  config: { passEnv?: string[]; apiKeyEnv?: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  const named = new Set<string>([...(AGENT_KEY_ENV[adapter] ?? []), ...(config.passEnv ?? []), ...(config.apiKeyEnv ? [config.apiKeyEnv] : [])]);
  return { ...baseAgentEnv(from), ...pick(from, (k) => named.has(k)), ...pick(extra, () => true) };
}
