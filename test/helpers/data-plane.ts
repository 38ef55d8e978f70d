// Starts a real data-plane over HTTP on 127.0.0.1 for tests, with an in-memory key
// authenticator and usage sink behind the same interfaces the database-backed ones
// implement, so a test sees exactly what was recorded.
import { Writable } from 'node:stream';
import { createDataPlaneApp } from '../../data-plane/app.js';
import type { AuthenticatedKey, KeyAuthenticator } from '../../data-plane/auth/types.js';
import type { Catalogue } from '../../data-plane/catalogue/catalogue.js';
import { dataPlaneConfigFrom } from '../../data-plane/config.js';
import { deriveBoundIdKeys } from '../../data-plane/providers/openai/response-ids.js';
import type { StoredCredentials } from '../../data-plane/providers/upstreams.js';
import type { UsageSink } from '../../data-plane/usage/types.js';
import { generateApiKey } from '../../shared/api-key.js';
import { listen } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import { createLogger } from '../../shared/logger.js';
import type { UsageEvent } from '../../shared/usage-event.js';
import { testCatalogue } from './catalogue.js';

/** The keys the test data-plane binds response and item ids with: fixed, so a test can mint (and forge) ids itself. */
export const TEST_ID_KEYS = deriveBoundIdKeys(Buffer.from('tokenbyte test pepper', 'utf8'));
export const TEST_RESPONSE_ID_KEY = TEST_ID_KEYS.response;
export const TEST_ITEM_ID_KEY = TEST_ID_KEYS.item;

/** A key the test data-plane accepts: the raw key plus what authenticating it yields. */
export type TestKey = { key: string } & AuthenticatedKey;

export interface TestDataPlaneOptions {
  keys: TestKey[];
  /** The OpenAI upstream; without it (and without OPENAI_* in `env`) `openai` models answer 503. */
  upstream?: { baseUrl: string; apiKey: string };
  /** The model catalogue; default: shared/catalogue.json, every price effective since the epoch (see helpers/catalogue.ts). */
  catalogue?: Catalogue;
  /** The Anthropic upstream (an origin, as the Anthropic SDKs' baseURL); without it the Anthropic routes answer 503. */
  anthropic?: { baseUrl: string; apiKey: string };
  /** The Gemini upstream (an origin without the API version); without it the Gemini routes answer 503. */
  gemini?: { baseUrl: string; apiKey: string };
  /** Admin-managed credentials, as the database-backed cache would hold them; where a provider has any they replace the ones above. */
  credentials?: StoredCredentials;
  /** Config overrides, as environment variables (e.g. `UPSTREAM_IDLE_TIMEOUT_MS`). */
  env?: Record<string, string>;
}

export interface TestDataPlane {
  /** e.g. `http://127.0.0.1:PORT`; OpenAI clients use `${url}/v1`. */
  url: string;
  /** Usage events in the order they were recorded. */
  usageEvents: UsageEvent[];
  /** Resolves once at least `count` events were recorded. */
  waitForUsage(count: number, timeoutMs?: number): Promise<UsageEvent[]>;
  /** Parsed log lines, to check what is (and is never) logged. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** A fresh key with generated ids; `overrides` restrict it (e.g. `allowedModels`). */
export function createTestKey(overrides: Partial<AuthenticatedKey> = {}): TestKey {
  const generated = generateApiKey();
  return { key: generated.key, keyId: generated.keyId, apiKeyId: newId(), accountId: newId(), allowedModels: null, ...overrides };
}

export async function startTestDataPlane(options: TestDataPlaneOptions): Promise<TestDataPlane> {
  const config = dataPlaneConfigFrom({ DATA_PLANE_PORT: '0', LOG_LEVEL: 'info', ...options.env });
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', name: 'data-plane-test', destination: collectLines(logs) });
  const usage = createMemorySink();
  const lifetime = new AbortController();
  const app = createDataPlaneApp({
    config,
    logger,
    keys: createMemoryAuthenticator(options.keys),
    usage,
    catalogue: options.catalogue ?? testCatalogue(),
    idKeys: TEST_ID_KEYS,
    signal: lifetime.signal,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.upstream || options.anthropic || options.gemini
      ? {
          upstream: {
            ...(options.upstream ? { openai: options.upstream } : {}),
            ...(options.anthropic ? { anthropic: options.anthropic } : {}),
            ...(options.gemini ? { gemini: options.gemini } : {}),
          },
        }
      : {}),
  });
  const http = await listen(app, '127.0.0.1', 0);
  return {
    url: http.url,
    usageEvents: usage.events,
    waitForUsage: usage.waitFor,
    logs,
    async stop() {
      await http.close();
      lifetime.abort();
    },
  };
}

function createMemoryAuthenticator(keys: readonly TestKey[]): KeyAuthenticator {
  const byKey = new Map(keys.map(({ key, ...authenticated }) => [key, authenticated]));
  return { authenticate: (raw) => Promise.resolve(byKey.get(raw) ?? null) };
}

function createMemorySink(): UsageSink & { events: UsageEvent[]; waitFor(count: number, timeoutMs?: number): Promise<UsageEvent[]> } {
  const events: UsageEvent[] = [];
  const waiters = new Set<() => void>();
  return {
    events,
    record(event) {
      events.push(event);
      for (const wake of waiters) wake();
    },
    waitFor(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (events.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(events);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs}ms waiting for ${count} usage events (have ${events.length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

function collectLines(into: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') into.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
}
