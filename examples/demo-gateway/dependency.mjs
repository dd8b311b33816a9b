// A tiny stand-in for a database the demo gateway depends on: answers 200 on loopback, and can go down for a while on request (the dependency-down drill).
import http from 'node:http';
import { parseArgs } from 'node:util';

const EX_USAGE = 64;
const MAX_DOWN_MS = 600_000;
const RELISTEN_TRIES = 120;

function log(level, msg, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

function parseCli(argv) {
  try {
    return parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    process.stderr.write(`demo-dependency: ${err.message}\nusage: node dependency.mjs [--port N] [--host 127.0.0.1]\n`);
    process.exit(EX_USAGE);
  }
}

function isLoopback(address) {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text);
}

function main() {
  const cli = parseCli(process.argv.slice(2));
  if (cli.help) {
    process.stdout.write('usage: node dependency.mjs [--port N] [--host 127.0.0.1]\nGET /: 200 while up; POST /fault/down?ms=N (loopback): refuse connections for N ms (default 10000), then listen again\n');
    return;
  }
  const host = cli.host ?? '127.0.0.1';
  const portText = cli.port ?? process.env.PORT ?? '0';
  let port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`demo-dependency: --port: expected an integer 0-65535, got ${JSON.stringify(portText)}\n`);
    process.exit(EX_USAGE);
  }
  const startedAt = Date.now();
  let upTimer;
  let stopping = false;
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/fault/down') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' });
      if (!isLoopback(req.socket.remoteAddress)) return sendJson(res, 403, { error: 'fault switches are loopback only' });
      const msText = url.searchParams.get('ms') ?? '10000';
      const ms = /^\d+$/.test(msText) ? Number(msText) : NaN;
      if (!Number.isInteger(ms) || ms < 1 || ms > MAX_DOWN_MS) return sendJson(res, 400, { error: `ms: expected an integer 1-${MAX_DOWN_MS}, got ${JSON.stringify(msText)}` });
      res.once('finish', () => goDown(ms));
      return sendJson(res, 202, { accepted: 'down', ms });
    }
    return sendJson(res, 200, { ok: true, name: 'demo-dependency', pid: process.pid, uptimeMs: Date.now() - startedAt });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  function listen(tries) {
    const onError = (err) => {
      if (tries <= 1 || stopping) {
        process.stderr.write(`demo-dependency: cannot listen on ${host}:${port}: ${err.message}\n`);
        process.exit(1);
      }
      upTimer = setTimeout(() => listen(tries - 1), 500);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      port = server.address().port;
      log('info', 'listening', { port, host, pid: process.pid, name: 'demo-dependency' });
    });
  }

  function goDown(ms) {
    log('warn', 'fault: down', { ms });
    server.close();
    for (const s of sockets) s.destroy();
    upTimer = setTimeout(() => {
      if (stopping) return;
      log('info', 'fault: back up', { ms });
      listen(RELISTEN_TRIES);
    }, ms);
  }

  const stop = (signal) => {
    stopping = true;
    clearTimeout(upTimer);
    log('info', 'shutting down', { signal });
    for (const s of sockets) s.destroy();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  listen(1);
}

main();
