// Summaries of repeated measurements: median, min, max, percentiles (nearest rank), with "never" kept apart.

export function percentile(values, p) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** values may hold null for "did not happen within the bound". */
export function summarize(values) {
  const done = values.filter((v) => v !== null && v !== undefined && Number.isFinite(v));
  return {
    n: values.length,
    never: values.length - done.length,
    median: median(done),
    min: done.length ? Math.min(...done) : undefined,
    max: done.length ? Math.max(...done) : undefined,
    values,
  };
}
