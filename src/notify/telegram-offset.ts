// The Bot API update position survives a daemon restart, so a command Telegram re-serves is never carried out twice.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';

export interface OffsetStore {
  load(): Promise<number>;
  save(offset: number): Promise<void>;
}

/** One file per bot and chat in the state directory (named by a hash: the bot token is a secret). */
export function fileOffsetStore(stateDir: string, botToken: string, chatId: string): OffsetStore {
  const id = createHash('sha256').update(`${botToken}\n${chatId}`).digest('hex').slice(0, 16);
  const file = path.join(stateDir, `telegram-offset-${id}.json`);
  return {
    async load() {
      try {
        const v = (JSON.parse(await readFile(file, 'utf8')) as { offset?: unknown }).offset;
        return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0;
      } catch {
        return 0;
      }
    },
    save: (offset) => writeFileAtomic(file, `${JSON.stringify({ offset })}\n`, { mode: 0o600 }),
  };
}
