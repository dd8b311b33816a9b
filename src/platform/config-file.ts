// A service's own config file: parse it the way the service would (JSON, JSON5, YAML) and fingerprint it.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readRegularFile } from './read-regular.js';
import { jsonErrorText, yamlErrorText } from './parse-error-text.js';

// The parsers load on first use: a service whose config is JSON never puts yaml (or json5) in the daemon's memory.
const load = createRequire(import.meta.url);
const yaml = (): typeof import('yaml') => load('yaml') as typeof import('yaml');
const json5 = (): typeof import('json5') => load('json5') as typeof import('json5');

/**
 * Far above any real service config (OpenClaw's is a few KiB): a bigger file is the wrong one (a 2 GiB sparse file
 * would be held whole by every reader, and parsed).
 */
export const MAX_SERVICE_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * The bytes of a service's config file (or a file it includes, a backup of it): only a regular file of at most
 * MAX_SERVICE_CONFIG_BYTES is read. A FIFO, device, socket or directory there (or a link to one) rejects at once with
 * NotRegularFileError naming what it is, instead of holding one of libuv's four threads for good.
 */
export function readServiceConfigFile(file: string): Promise<Buffer> {
  return readRegularFile(file, { maxBytes: MAX_SERVICE_CONFIG_BYTES });
}

export type ConfigFormat = 'json' | 'json5' | 'yaml';

export type ParseOutcome = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * OpenClaw's config keeps the name `openclaw.json` but is JSON5 (comments, trailing commas, unquoted keys): read as
 * strict JSON, a valid edit of it would be "unparseable" and a repair would restore an older copy over it.
 */
const JSON5_NAMED = 'openclaw.json';

export function detectFormat(file: string, declared?: ConfigFormat | 'auto'): ConfigFormat {
  if (declared && declared !== 'auto') return declared;
  const base = path.basename(file).toLowerCase();
  const ext = path.extname(base);
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json5' || base === JSON5_NAMED) return 'json5';
  return 'json';
}

/** A leading byte-order mark (Windows editors write one): JSON.parse rejects it, json5 and the service itself do not. */
const BOM = '\uFEFF';

export function parseConfigText(raw: string, format: ConfigFormat): ParseOutcome {
  const text = raw.startsWith(BOM) ? raw.slice(1) : raw;
  if (text.trim() === '') return { ok: false, error: 'file is empty' };
  try {
    if (format === 'json') {
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch (err) {
        return { ok: false, error: jsonErrorText((err as Error).message, text) };
      }
    }
    if (format === 'json5') {
      // Plain JSON (what OpenClaw writes) is JSON5 with the same meaning, and JSON.parse reads it some 300 times faster:
      // the json5 parser took 10 s (and GiBs of garbage) for a 15 MiB file, read several times by one `doctor --fix`.
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch {
        return { ok: true, value: json5().parse(text) as unknown };
      }
    }
    const doc = yaml().parseDocument(text);
    if (doc.errors.length > 0) return { ok: false, error: yamlErrorText(doc.errors[0]!.message) };
    return { ok: true, value: doc.toJS() as unknown };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Text for a parsed config in its format. JSON5 is written as plain JSON (valid JSON5); comments of
 * the original are not kept, so callers write this only after a snapshot of the original bytes. A leading BOM of `like`
 * (the text being replaced) is kept.
 */
export function serializeConfig(value: unknown, format: ConfigFormat, like?: string): string {
  const mark = like?.startsWith(BOM) ? BOM : '';
  if (format === 'yaml') return mark + yaml().stringify(value);
  return `${mark}${JSON.stringify(value, null, 2)}\n`;
}
