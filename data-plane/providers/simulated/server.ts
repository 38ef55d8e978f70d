// The simulated provider is an in-process upstream on 127.0.0.1 speaking OpenAI's wire
// format: the proxy forwards to it exactly as to OpenAI, so streaming, usage accounting
// and usage events run the same code with or without a real provider.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { completionBody, completionChunks, SIMULATED_MODELS, simulatedPlan } from './completion.js';

/** Pause between stream chunks, so a simulated stream visibly streams. */
const DEFAULT_CHUNK_DELAY_MS = 10;

export interface SimulatedUpstream {
  /** e.g. `http://127.0.0.1:PORT/v1`. */
  readonly baseUrl: string;
  /** A random per-process key, so nothing else on the host can use the simulator through its port by accident. */
  readonly apiKey: string;
  close(): Promise<void>;
}

/** Starts the simulated provider on a free loopback port. */
export async function startSimulatedUpstream(options: { chunkDelayMs?: number } = {}): Promise<SimulatedUpstream> {
  const apiKey = `sim-${randomBytes(24).toString('hex')}`;
  const chunkDelayMs = options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS;
  const server = createServer((req, res) => {
    handle(req, res, apiKey, chunkDelayMs).catch(() => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, errorBody('The simulated provider failed.', 'server_error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // The data-plane's own shutdown decides when the process ends, not this helper server.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, apiKey: string, chunkDelayMs: number): Promise<void> {
  const raw = await readText(req);
  if (req.headers.authorization !== `Bearer ${apiKey}`) {
    return sendJson(res, 401, errorBody('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key'));
  }
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: SIMULATED_MODELS });
  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    return sendJson(res, 404, errorBody(`Invalid URL (${req.method} ${path})`, 'invalid_request_error'));
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return sendJson(res, 400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error'));
  }
  const model = body['model'];
  if (typeof model !== 'string' || !SIMULATED_MODELS.some((known) => known.id === model)) {
    const message = `The model '${String(model)}' does not exist. The simulated provider serves ${SIMULATED_MODELS.map((m) => m.id).join(', ')}.`;
    return sendJson(res, 404, errorBody(message, 'invalid_request_error', 'model', 'model_not_found'));
  }
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const plan = simulatedPlan(model, messages, positiveInt(body['max_completion_tokens']) ?? positiveInt(body['max_tokens']));
  if (body['stream'] !== true) return sendJson(res, 200, completionBody(plan));

  const streamOptions = body['stream_options'];
  const includeUsage = typeof streamOptions === 'object' && streamOptions !== null && (streamOptions as Record<string, unknown>)['include_usage'] === true;
  let clientLeft = false;
  res.once('close', () => {
    clientLeft = !res.writableFinished;
  });
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': requestId() });
  res.flushHeaders();
  for (const [index, chunk] of completionChunks(plan, includeUsage).entries()) {
    if (index > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs);
    // The client (the gateway) left: stop generating, as a real provider does.
    if (clientLeft || res.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.once('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': requestId() });
  res.end(text);
}

function errorBody(message: string, type: string, param: string | null = null, code: string | null = null): unknown {
  return { error: { message, type, param, code } };
}

function requestId(): string {
  return `req_sim${randomBytes(12).toString('hex')}`;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
