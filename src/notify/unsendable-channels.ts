// A channel whose every request fetch refuses (a header value outside Latin-1 or with a line break, a URL on a blocked
// port) was "valid": its first alert was dead-lettered. Said by validate, at start and on reload, as a warning (a config
// that loaded before still loads); the field is named, a header's value never (it is a secret).
import type { NotifyConfig } from './notify-schema.js';
import { sendableRequest } from './header-values.js';

/** The Fetch standard's "bad ports": fetch (undici) never connects to them ("fetch failed: bad port"). */
const BAD_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111,
  113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548,
  554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665,
  6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The port a URL connects to, when fetch refuses it. */
function blockedPort(raw: string): number | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if (u.port === '') return undefined;
  const port = Number(u.port);
  return BAD_PORTS.has(port) ? port : undefined;
}

/** One line per channel field fetch can never send; `notify.channels[i].field`, the host and port, never a path or value. */
export function unsendableChannelWarnings(notify: Pick<NotifyConfig, 'channels'>): string[] {
  const warnings: string[] = [];
  notify.channels.forEach((c, i) => {
    const at = `notify.channels[${i}]`;
    const urls: Array<[string, string | undefined]> =
      c.type === 'telegram' ? [['apiBase', c.apiBase]] : c.type === 'ntfy' ? [['server', c.server]] : [['url', c.url]];
    for (const [field, raw] of urls) {
      const port = raw === undefined ? undefined : blockedPort(raw);
      if (port === undefined) continue;
      warnings.push(
        `${at}.${field}: port ${port} (${new URL(raw!).host}) is on the Fetch standard's list of blocked ports (e.g. 6000, 6667, 10080): no alert can be sent there and each one is dead-lettered; expected another port`,
      );
    }
    const headers: Array<[string, string, string]> =
      c.type === 'webhook'
        ? Object.entries(c.headers).map(([name, value]) => [`headers.${name}`, name, value])
        : c.type === 'ntfy' && c.token !== undefined
          ? [['token', 'Authorization', `Bearer ${c.token}`]]
          : [];
    for (const [field, name, value] of headers) {
      try {
        sendableRequest({ url: 'https://localhost/', method: 'POST', headers: { [name]: value }, body: '' });
      } catch (err) {
        const why = (err as Error).message.replace(/; fix it in the channel's config$/, '');
        warnings.push(`${at}.${field}: ${why}; no alert can be sent on this channel and each one is dead-lettered; expected Latin-1 text on one line`);
      }
    }
  });
  return warnings;
}
