// A bare API server for the tests of its HTTP behaviour: a status of {ok: 1}, actions that succeed, no events.
import { startApiServer, type ApiHandlers, type ApiServer } from '../../src/server/api-server.js';

export const BED_TOKEN = 't'.repeat(32);

/** On 127.0.0.1 (or `host`), a free port, BED_TOKEN; `handlers` replaces or adds to the bare ones. */
export function startBareApi(handlers: Partial<ApiHandlers> = {}, host = '127.0.0.1'): Promise<ApiServer> {
  return startApiServer({
    host,
    port: 0,
    token: BED_TOKEN,
    handlers: {
      status: () => ({ ok: 1 }),
      action: async () => ({ ok: true, status: 200, message: '' }),
      subscribe: () => () => undefined,
      ...handlers,
    },
  });
}
