// Numeric command-line options read strictly: "abc", "-3" or "1.5" where a count is expected is an error, never NaN.
import { InvalidArgumentError } from 'commander';

/** A commander argument parser for a whole number of `what` (days, lines) of at least `min`. */
export function numberOption(what: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of ${what} (at least ${min}), got "${v}"`);
    return n;
  };
}
