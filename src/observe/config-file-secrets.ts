// A service's own config file holds its secrets (OpenClaw's gateway.auth.token, provider apiKeys, bot tokens):
// the redactor learns them, so a log line that prints one never carries it into alerts, the journal or the API.
import { detectFormat, parseConfigText, readServiceConfigFile, type ConfigFormat } from '../platform/config-file.js';
import type { Redactor } from './redact.js';
import { isSecretKey, wordsOf } from './secret-keys.js';

export { isSecretKey } from './secret-keys.js';

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
    const text = (await readServiceConfigFile(spec.path)).toString('utf8');
    const parsed = parseConfigText(text, detectFormat(spec.path, spec.format));
    if (parsed.ok) learnConfigSecrets(parsed.value, redactor);
  } catch {
    // Not there (yet), or unreadable: the next read after it changes tries again.
  }
}
