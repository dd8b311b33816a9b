// Prometheus text exposition written by hand (probe families, instances, cluster): one escape for label values.

/** A label value as the text format escapes it: backslash, double quote, line feed (as prom-client does). */
export function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `name="value"` in a sample line's label set (the value still escaped). */
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g;

function unescapeLabelValue(raw: string): string {
  return raw.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/**
 * The exposition with each label value passed through `redact` and escaped again. Metric names, HELP/TYPE lines,
 * sample values and histogram bounds (`le`) are numbers and names Clawback writes itself, never a secret: redacting
 * the whole text turned a known secret that is also a number or a word in them (a PIN `1000` in a 1 GB memory limit,
 * a password `healthy` in `clawback_probe_healthy`) into `[REDACTED]` there, and Prometheus refused the whole scrape.
 */
export function redactLabelValues(text: string, redact: (value: string) => string): string {
  /** A value's redaction, once per distinct value (a scrape repeats each service's name on many lines). */
  const seen = new Map<string, string>();
  const out = text.split('\n');
  for (let i = 0; i < out.length; i++) {
    const line = out[i]!;
    const open = line.indexOf('{');
    if (open < 0 || line.startsWith('#')) continue;
    const close = line.lastIndexOf('}');
    if (close < open) continue;
    const labels = line.slice(open, close).replace(LABEL, (whole, name: string, raw: string) => {
      if (name === 'le' || name === 'quantile') return whole;
      let done = seen.get(raw);
      if (done === undefined) {
        const value = unescapeLabelValue(raw);
        const redacted = redact(value);
        done = redacted === value ? raw : labelValue(redacted);
        seen.set(raw, done);
      }
      return done === raw ? whole : `${name}="${done}"`;
    });
    out[i] = line.slice(0, open) + labels + line.slice(close);
  }
  return out.join('\n');
}
