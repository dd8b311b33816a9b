// The message a config text gets from the loader's checks ('' when valid): how config tests read what a person sees.
import { ConfigError } from '../../src/config/errors.js';
import { parseConfigSource, validateConfig } from '../../src/config/load.js';

export function configProblems(text: string, file = 'clawback.yaml'): string {
  try {
    validateConfig(parseConfigSource(text, file), file);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
}
