// Prometheus text exposition written by hand (probe families, instances, cluster): one escape for label values.

/** A label value as the text format escapes it: backslash, double quote, line feed (as prom-client does). */
export function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
