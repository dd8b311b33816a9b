// An HTTP answer read as it arrives and given up past a bound: an endpoint that sends without end (a broken proxy, a
// looping model, a hostile webhook) must not fill the daemon's memory before its size is checked.

export interface BoundedBody {
  text: string;
  /** More than `max` bytes were sent (or declared): `text` holds the first `max` at most, the rest was not read. */
  truncated: boolean;
  /** The declared length when it alone was over the bound (nothing read), else the bytes seen. */
  bytes: number;
}

export async function readBodyUpTo(res: Response, max: number): Promise<BoundedBody> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    return { text: '', truncated: true, bytes: declared };
  }
  if (!res.body) return { text: '', truncated: false, bytes: 0 };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = max - total;
    total += value.byteLength;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true, bytes: total };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false, bytes: total };
}
