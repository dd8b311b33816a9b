// One rule for which setting names hold secrets, used by every redaction path (journal, API, alerts, logs, AI prompts).

/** The last word of a key that names a secret (`token`, `botToken`, `password`, `credentials`). */
// `cookie`: a `Cookie` / `Set-Cookie` header's value is session ids (a header map in an event's details showed them).
// `pass`: `DB_PASS`, `smtpPass`, `{"pass": ...}` (a key whose last word it is; `bypass` is one word, not a secret).
const SECRET_LAST_WORDS = new Set(['token', 'secret', 'password', 'passwd', 'pwd', 'pass', 'passphrase', 'credential', 'credentials', 'apikey', 'webhook', 'authorization', 'cookie']);
/**
 * Two last words that name a secret (`apiKey`, `private_key`, `X-Api-Key`, `webhookUrl`, Azure's `Ocp-Apim-Subscription-Key`,
 * Azure Functions' `X-Functions-Key`, Azure Storage's `AccountKey`, Cloudflare's `X-Auth-Key`, a `MASTER_KEY`).
 */
const SECRET_LAST_PAIRS = new Set(['api key', 'private key', 'access key', 'secret key', 'signing key', 'encryption key', 'subscription key', 'functions key', 'account key', 'auth key', 'master key', 'webhook url', 'bot token']);
/** A last word after such a pair that still names the key's value (Rails' `SECRET_KEY_BASE`, a `private_key_id`), not a file or a setting. */
const KEY_VALUE_TAILS = new Set(['base', 'id']);
/** Any key that can pass isSecretKey contains one of these: the cheap test that most keys fail first. */
const MAY_BE_SECRET = /token|secret|pass|pwd|credential|key|webhook|authorization|cookie/i;
/** A secret word anywhere in a key (`tokenFile`, `passwordHint`, `apiKeyRef`): the wider net for what must never be echoed. */
const MENTIONS_SECRET = /token|secret|password|passwd|passphrase|api[_-]?key|private[_-]?key|access[_-]?key|authorization|webhook|credential/i;

/** `gatewayAuthToken`, `api_key`, `WEBHOOK-URL` -> lower-case words. */
export function wordsOf(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * Whether a key names a secret by its last word(s): `token`, `botToken`, `apiKey`, `password`, `webhookUrl`, but
 * not `tokenizer`, `maxTokens`, `tokenMode`, `passwordFile` or `webhookPath` (settings that merely mention one).
 * Its string value is redacted whatever it contains.
 */
export function isSecretKey(key: string): boolean {
  if (!MAY_BE_SECRET.test(key)) return false;
  const w = wordsOf(key);
  const last = w[w.length - 1];
  if (last === undefined) return false;
  if (SECRET_LAST_WORDS.has(last)) return true;
  if (w.length >= 2 && SECRET_LAST_PAIRS.has(`${w[w.length - 2]} ${last}`)) return true;
  return w.length >= 3 && KEY_VALUE_TAILS.has(last) && SECRET_LAST_PAIRS.has(`${w[w.length - 3]} ${w[w.length - 2]}`);
}

/**
 * A key whose last word is `key` after another word that isSecretKey does not take (`stripeKey`, `OPENAI_KEY`,
 * `slackWebhookKey`, but also OpenClaw's own `sessionKey`, `providerKey`, `modelKey`): the name alone does not say, so
 * its value is a secret only when it looks like a credential (credential-value.ts).
 */
export function endsInKeyWord(key: string): boolean {
  if (!/key$/i.test(key)) return false;
  const w = wordsOf(key);
  return w.length >= 2 && w[w.length - 1] === 'key' && !isSecretKey(key);
}

/**
 * Whether a key mentions a secret anywhere (isSecretKey's keys and also `tokenFile`, `apiKeyHint`): for text that leaves
 * the machine or is echoed back (an AI prompt, a config error), where a false alarm costs nothing.
 */
export function mentionsSecret(key: string): boolean {
  return MENTIONS_SECRET.test(key) || isSecretKey(key);
}
