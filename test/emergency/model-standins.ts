// Local stand-ins for model APIs (OpenAI chat-completions, Anthropic Messages) that replay scripted tool calls.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedCall {
  name: string;
  /** A string is sent verbatim (so malformed JSON can be scripted); an object is JSON-encoded. */
  arguments: string | Record<string, unknown>;
}

export interface ScriptStep {
  text?: string;
  calls?: ScriptedCall[];
  /** Hold the answer until this resolves (to keep a run busy). */
  hold?: Promise<void>;
}

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

export interface StandIn {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

async function serve(handler: (req: RecordedRequest, turn: number) => Promise<unknown>, expectPath: string): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== expectPath) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
          return;
        }
        const rec: RecordedRequest = { path: req.url, headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> };
        requests.push(rec);
        const answer = await handler(rec, requests.length - 1);
        const text = JSON.stringify(answer);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function argsText(a: ScriptedCall['arguments']): string {
  return typeof a === 'string' ? a : JSON.stringify(a);
}

/** POST /v1/chat/completions; base URL for the adapter: `${url}/v1`. After the script: a plain "done" answer. */
export function startOpenAiStandIn(script: ScriptStep[]): Promise<StandIn> {
  return serve(async (_req, turn) => {
    const step = script[turn] ?? { text: 'done' };
    if (step.hold) await step.hold;
    const toolCalls = (step.calls ?? []).map((c, j) => ({ id: `call_${turn}_${j}`, type: 'function', function: { name: c.name, arguments: argsText(c.arguments) } }));
    return {
      id: `chatcmpl-${turn}`,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: step.text ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
          finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
        },
      ],
    };
  }, '/v1/chat/completions');
}

/** POST /v1/messages; base URL for the adapter: `url`. */
export function startAnthropicStandIn(script: ScriptStep[]): Promise<StandIn> {
  return serve(async (_req, turn) => {
    const step = script[turn] ?? { text: 'done' };
    if (step.hold) await step.hold;
    const content: unknown[] = [];
    if (step.text) content.push({ type: 'text', text: step.text });
    (step.calls ?? []).forEach((c, j) => {
      content.push({ type: 'tool_use', id: `toolu_${turn}_${j}`, name: c.name, input: typeof c.arguments === 'string' ? c.arguments : c.arguments });
    });
    return { id: `msg_${turn}`, type: 'message', role: 'assistant', content, stop_reason: step.calls?.length ? 'tool_use' : 'end_turn' };
  }, '/v1/messages');
}
