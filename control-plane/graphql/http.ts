import { AsyncLocalStorage } from 'node:async_hooks';
import { ApolloServer, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import type { H3Event } from 'h3';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../../shared/logger.js';
import type { Context } from './context.js';
import { createErrorFormatter } from './errors.js';

const MAX_BODY_BYTES = 1024 * 1024;

const currentRequest = new AsyncLocalStorage<{ requestId: string }>();

export interface GraphQLHandlerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  introspection: boolean;
  exposeErrorDetails: boolean;
  /** Builds the resolver context for one request (session lookup, em fork …). */
  context: (event: H3Event, requestId: string) => Promise<Context>;
}

/**
 * Serves Apollo through h3 v2 via `executeHTTPGraphQLRequest` (the h3 integration
 * package targets h3 v1 and turns Apollo's 400s into 200s under v2).
 */
export async function createGraphQLHandler(options: GraphQLHandlerOptions) {
  const formatError = createErrorFormatter({ exposeDetails: options.exposeErrorDetails, logger: options.logger });
  const apollo = new ApolloServer<Context>({
    schema: options.schema,
    introspection: options.introspection,
    // Blocks "simple" cross-site requests (text/plain, form posts, GETs without a preflight header).
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    logger: options.logger,
    formatError: (formatted, error) => formatError(formatted, error, currentRequest.getStore()?.requestId ?? 'unknown'),
  });
  await apollo.start();

  async function handle(event: H3Event, requestId: string): Promise<Response> {
    const method = event.req.method.toUpperCase();
    const headers = new HeaderMap();
    event.req.headers.forEach((value, key) => headers.set(key, value));
    let body: unknown;
    if (method === 'POST') {
      const text = await readLimitedText(event.req, MAX_BODY_BYTES);
      if (text === null) return graphqlErrorResponse(413, 'Request body too large.', 'PAYLOAD_TOO_LARGE');
      body = text;
      if (isJson(headers.get('content-type'))) {
        try {
          body = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          return graphqlErrorResponse(400, 'The request body is not valid JSON.', 'BAD_REQUEST');
        }
      }
    }
    const result = await currentRequest.run({ requestId }, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: event.url.search, body },
        context: () => options.context(event, requestId),
      }),
    );
    return toResponse(result);
  }

  return { handle, stop: () => apollo.stop() };
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type === 'application/graphql-response+json';
}

async function readLimitedText(req: Request, limit: number): Promise<string | null> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) return null;
  if (!req.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toResponse(result: HTTPGraphQLResponse): Response {
  const headers = new Headers();
  for (const [key, value] of result.headers) headers.set(key, value);
  if (result.body.kind === 'complete') return new Response(result.body.string, { status: result.status ?? 200, headers });
  const iterator = result.body.asyncIterator;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(new TextEncoder().encode(next.value));
    },
  });
  return new Response(stream, { status: result.status ?? 200, headers });
}

function graphqlErrorResponse(status: number, message: string, code: string): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
