// One fingerprint of a config as parsed (placeholders intact): the daemon publishes the one it runs, a client compares its file's.
import { createHash } from 'node:crypto';

/**
 * The digest of a parsed config file (LoadedConfig.raw). Parsed, not bytes: a comment or whitespace edit changes
 * nothing the daemon runs; `${VAR}` placeholders are kept, so a client with another environment gets the same digest.
 */
export function configDigest(raw: unknown): string {
  return createHash('sha256').update(JSON.stringify(raw) ?? 'undefined').digest('hex');
}
