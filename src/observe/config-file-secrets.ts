// A service's own config file holds its secrets (OpenClaw's gateway.auth.token, provider apiKeys, bot tokens):
// the redactor learns them, so a log line that prints one never carries it into alerts, the journal or the API.
import { readFile } from 'node:fs/promises';
import { detectFormat, parseConfigText, type ConfigFormat } from '../platform/config-file.js';
import type { Redactor } from './redact.js';

/** The last word of a key that names a secret (`token`, `botToken`, `password`, `credentials`). */
const SECRET_LAST_WORDS = new Set(['token', 'secret', 'password', 'passwd', 'pwd', 'passphrase', 'credential', 'credentials', 'apikey', 'webhook', 'authorization']);
/** Two last words that name a secret (`apiKey`, `private_key`, `clientSecret` is covered above, `webhookUrl`). */
const SECRET_LAST_PAIRS = new Set(['api key', 'private key', 'access key', 'secret key', 'signing key', 'webhook url', 'bot token']);

/** `gatewayAuthToken`, `api_key`, `WEBHOOK-URL` -> lower-case words. */
function wordsOf(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * Whether a key names a secret by its last word(s): `token`, `botToken`, `apiKey`, `password`, `webhookUrl`, but
 * not `tokenizer`, `maxTokens`, `tokenMode`, `passwordFile` or `webhookPath` (settings that merely mention one).
 */
export function isSecretKey(key: string): boolean {
  const w = wordsOf(key);
  const last = w[w.length - 1];
  if (last === undefined) return false;
  if (SECRET_LAST_WORDS.has(last)) return true;
  return w.length >= 2 && SECRET_LAST_PAIRS.has(`${w[w.length - 2]} ${last}`);
}

/** [key, value] of every string whose key `isSecret` accepts (isSecretKey by default), at any depth (bounded). */
export function secretFields(value: unknown, isSecret: (key: string) => boolean = isSecretKey, depth = 0, out: Array<[string, string]> = []): Array<[string, string]> {
  if (depth > 20 || value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') {
      if (isSecret(k)) out.push([k, v]);
    } else secretFields(v, isSecret, depth + 1, out);
  }
  return out;
}

/** Registers the secrets of parsed config content with the redactor (settings such as `tokenTtl: "3600"` excepted). */
export function learnConfigSecrets(parsed: unknown, redactor: Pick<Redactor, 'addSecretSetting'>): void {
  for (const [k, v] of secretFields(parsed)) redactor.addSecretSetting(wordsOf(k).join('_'), v);
}

/** Reads the service's config file and registers its secrets; a missing or unparsable file teaches nothing. Never throws. */
export async function learnConfigFileSecrets(
  service: { configFile?: { path: string; format?: ConfigFormat | 'auto' } | undefined },
  redactor: Pick<Redactor, 'addSecretSetting'>,
): Promise<void> {
  const spec = service.configFile;
  if (!spec) return;
  try {
    const text = await readFile(spec.path, 'utf8');
    const parsed = parseConfigText(text, detectFormat(spec.path, spec.format));
    if (parsed.ok) learnConfigSecrets(parsed.value, redactor);
  } catch {
    // Not there (yet), or unreadable: the next read after it changes tries again.
  }
}
