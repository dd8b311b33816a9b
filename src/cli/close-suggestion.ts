// Commander suggests any command within 3 edits: `clawback bogus` said "Did you mean logs?" and `maintenance --json`
// "Did you mean --reason?". A did-you-mean is kept only for a near miss, by the rule the config's unknown keys use.
import { nearestKey } from '../config/known-keys.js';

const UNKNOWN = /unknown (?:command|option) '([^']*)'/;
const SUGGESTION = /\n\(Did you mean (?:one of )?([^?]*)\?\)/;

/** `message` (commander's usage error) with its did-you-mean narrowed to the close matches, or dropped (pure). */
export function keepCloseSuggestions(message: string): string {
  const typed = UNKNOWN.exec(message)?.[1];
  const m = SUGGESTION.exec(message);
  if (typed === undefined || !m) return message;
  const word = typed.replace(/^--/, '');
  const close = m[1]!.split(', ').filter((c) => nearestKey(word, [c.replace(/^--/, '')]) !== undefined);
  const said = close.length === 0 ? '' : `\n(Did you mean ${close.length > 1 ? 'one of ' : ''}${close.join(', ')}?)`;
  return message.replace(SUGGESTION, said);
}
