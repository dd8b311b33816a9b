// Numeric command-line options read strictly: "abc", "-3" or "1.5" where a count is expected is an error, never NaN.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/duration.js';

/** A commander argument parser for a whole number of `what` (days, lines) of at least `min`. */
export function numberOption(what: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of ${what} (at least ${min}), got "${v}"`);
    return n;
  };
}

/** A commander parser for a duration ("30s", "5m", or milliseconds as a plain number) of at least `minMs`. */
export function durationOption(minMs: number): (v: string) => number {
  return (v) => {
    const ms = parseDuration(v);
    if (ms === undefined || ms < minMs) throw new InvalidArgumentError(`expected milliseconds or a duration such as 30s (at least ${minMs} ms), got "${v}"`);
    return ms;
  };
}

/** A commander parser for a TCP port, 0 (any free port) to 65535. */
export function portOption(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port 0-65535, got "${v}"`);
  return n;
}
