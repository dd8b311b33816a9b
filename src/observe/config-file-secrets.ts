// A service's own config file holds its secrets (OpenClaw's gateway.auth.token, provider apiKeys, bot tokens):
// the redactor learns them, so a log line that prints one never carries it into alerts, the journal or the API.
import { detectFormat, parseConfigText, readServiceConfigFile, type ConfigFormat } from '../platform/config-file.js';
import { readIncludes } from '../platform/config-includes.js';
import type { Redactor } from './redact.js';
import { endsInKeyWord, isSecretKey, wordsOf } from './secret-keys.js';
import { looksLikeCredential } from './credential-value.js';

export { isSecretKey } from './secret-keys.js';

/**
 * A config field that holds a secret: its key names one (isSecretKey), or its key ends in `key` and its value looks like a
 * credential (`stripeKey: sk_live_...`); OpenClaw's `providerKey: openai` learned as a secret hid `openai` everywhere.
 */
export function secretConfigField(key: string, value: string): boolean {
  return isSecretKey(key) || (endsInKeyWord(key) && looksLikeCredential(value));
}

/** [key, value] of every string that `isSecret` accepts (secretConfigField by default), at any depth (bounded). */
export function secretFields(value: unknown, isSecret: (key: string, value: string) => boolean = secretConfigField, depth = 0, out: Array<[string, string]> = []): Array<[string, string]> {
  if (depth > 20 || value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') {
      if (isSecret(k, v)) out.push([k, v]);
    } else secretFields(v, isSecret, depth + 1, out);
  }
  return out;
}

/** `${NAME}` (OpenClaw's env substitution): the variable whose value the service reads in its place. */
const ENV_PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Registers the secrets of parsed config content with the redactor (settings such as `tokenTtl: "3600"` excepted).
 * A secret field that names an env variable (`"token": "${GW_TOKEN}"`) teaches that variable's value in `env`, whatever
 * the variable is called: the value, not the placeholder, is what the service prints.
 */
export function learnConfigSecrets(parsed: unknown, redactor: Pick<Redactor, 'addSecretSetting'>, env: Record<string, string | undefined> = {}): void {
  for (const [k, v] of secretFields(parsed)) {
    const name = wordsOf(k).join('_');
    redactor.addSecretSetting(name, v);
    for (const m of v.matchAll(ENV_PLACEHOLDER)) {
      const value = env[m[1]!];
      if (value !== undefined) redactor.addSecretSetting(name, value);
    }
  }
}

/**
 * Reads the service's config file and the files it `$include`s, and registers their secrets (a token kept in an included
 * file is printed by the service as much as one in the main file); a missing or unparsable file teaches nothing. Returns
 * the included files read (so their changes can be watched). Never throws.
 */
export async function learnConfigFileSecrets(
  service: { configFile?: { path: string; format?: ConfigFormat | 'auto' } | undefined; env?: Record<string, string>; inheritEnv?: boolean },
  redactor: Pick<Redactor, 'addSecretSetting'>,
): Promise<string[]> {
  const spec = service.configFile;
  if (!spec) return [];
  try {
    const text = (await readServiceConfigFile(spec.path)).toString('utf8');
    const format = detectFormat(spec.path, spec.format);
    const parsed = parseConfigText(text, format);
    if (!parsed.ok) return [];
    // The environment the service runs with: the daemon's (unless inheritEnv is off), then its own `env`.
    const env = { ...(service.inheritEnv === false ? {} : process.env), ...service.env };
    learnConfigSecrets(parsed.value, redactor, env);
    const { files, problems } = await readIncludes(spec.path, parsed.value, format);
    for (const f of files) if (f.value !== undefined) learnConfigSecrets(f.value, redactor, env);
    // A missing include is watched too: the file it names appearing is a change of what the service reads.
    return [...files.map((f) => f.file), ...problems.filter((p) => !files.some((f) => f.file === p.file)).map((p) => p.file)];
  } catch {
    // Not there (yet), or unreadable: the next read after it changes tries again.
    return [];
  }
}
