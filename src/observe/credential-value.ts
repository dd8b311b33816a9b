// Whether a value looks like a credential by its shape: for keys whose name alone does not say (`stripeKey`, `OPENAI_KEY`
// are secrets; OpenClaw's own `sessionKey`, `providerKey`, `modelKey` are names), the value decides.

/** Vendor prefixes of API keys and tokens (OpenAI/Anthropic `sk-`, Stripe `sk_live_`/`rk_test_`, Slack, GitHub, GitLab...). */
const VENDOR_PREFIX = /^(?:sk-|sk_|rk_|xox[abprse]-|xapp-|gh[pousr]_|github_pat_|glpat-|AKIA|ASIA|AIza|hf_|npm_|SG\.)[A-Za-z0-9_.-]{4,}$/;
/** A token-like run: 16 or more letters and digits (and `_`, `-`, `.`, `+`, `=`), no space, slash or colon. */
const TOKEN_RUN = /^[A-Za-z0-9_.+=~-]{16,}$/;

/**
 * A credential's shape: a known vendor prefix, or a token-like run of 16 or more characters holding both letters and
 * digits. `openai`, `anthropic/claude-x`, `agent:main:discord:123`, `my-project-name-here` are not.
 */
export function looksLikeCredential(value: string): boolean {
  const v = value.trim();
  if (VENDOR_PREFIX.test(v)) return true;
  return TOKEN_RUN.test(v) && /[A-Za-z]/.test(v) && /[0-9]/.test(v);
}
