// Parses a GET route's `?limit=`: a whole number from 1 to the route's maximum, or its default when absent. Anything
// else is the client's error, answered 400 naming the parameter, the value and what is expected: `?limit=abc`, `-1`
// and `1e9` were answered with 50 (or 500) incidents, silently, as if that were what was asked.
import { ApiAnswer } from './api-server.js';

/** The limit asked for, or the 400 answer that says why it is not one. */
export function limitParam(q: URLSearchParams, opts: { default: number; max: number; name?: string }): number | ApiAnswer {
  const name = opts.name ?? 'limit';
  const text = q.get(name);
  if (text === null) return opts.default;
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(n) && n >= 1 && n <= opts.max) return n;
  return new ApiAnswer(400, { error: `${name}: expected a whole number from 1 to ${opts.max} (default ${opts.default}), got ${JSON.stringify(text.slice(0, 100))}` });
}
