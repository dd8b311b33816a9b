// The config field for sizes ("200MB", "1.5GiB" or bytes): apart from byte-size.ts so the daemon never loads zod.
import { z } from 'zod';
import { parseByteSize } from './byte-size.js';

/** A zod field that accepts "200MB", "1.5GiB", "512M" or a number of bytes and yields bytes. */
export const byteSize = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const bytes = parseByteSize(v);
  if (bytes === undefined || bytes === 0) {
    ctx.addIssue({ code: 'custom', message: `expected a size such as 200MB, 1.5GB, 512MiB or a number of bytes, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return bytes;
});
