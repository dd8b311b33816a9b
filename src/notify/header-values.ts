// Why a channel's request cannot be sent at all: fetch refuses a header value outside Latin-1 or with a line break, or a blocked port.
import type { HttpRequest } from './channel.js';

/** An alert whose request fetch could never send: the same every try, so it is refused once, not retried for days. */
export class UnsendableRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsendableRequestError';
  }
}

/**
 * The request itself, or an UnsendableRequestError naming the header (never its value: header values are secrets)
 * whose value fetch refuses: a character above U+00FF (fetch's "Cannot convert argument to a ByteString") or a NUL,
 * CR or LF inside it. Leading and trailing whitespace is trimmed by fetch and passes.
 */
export function sendableRequest(req: HttpRequest): HttpRequest {
  for (const [name, raw] of Object.entries(req.headers)) {
    const value = raw.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code > 0xff || code === 0 || code === 0x0a || code === 0x0d) {
        const what = code > 0xff ? `the character U+${(value.codePointAt(i) ?? code).toString(16).toUpperCase().padStart(4, '0')}` : 'a line break or NUL';
        throw new UnsendableRequestError(
          `the header "${name}" cannot be sent: its value holds ${what} at position ${i + 1}, and HTTP header values are Latin-1 text on one line (value not shown: it is a secret); fix it in the channel's config`,
        );
      }
    }
  }
  return req;
}
