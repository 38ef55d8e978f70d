// Stored responses of the fake OpenAI upstream (fake-openai.ts), as the real API keeps them: every
// Response created with `store` (the default) is kept under the organisation that created it — one
// fake, one API key, one organisation — and can be retrieved, replayed as a stream, listed for its
// input items, cancelled (refused: it is not a background response), deleted, and continued with
// `previous_response_id`. Its items, input and output, are kept too: a later request's input can
// name one (`{"type": "item_reference", "id": …}`) or send one back with its id. Unknown ids get
// the real API's 404s.
import { randomBytes } from 'node:crypto';
import { errorBody, isRecord, type OpenAIErrorBody } from './fake-openai-wire.js';
import { outputItems, responseBody, type ResponsePlan } from './fake-openai-responses.js';

export interface StoredResponse {
  plan: ResponsePlan;
  /** The request's input as the items `GET …/input_items` lists, oldest first. */
  inputItems: Array<Record<string, unknown>>;
}

/** What a request to `/v1/responses/{id}[/…]` asks of a stored response. */
export type StoredRoute = { action: 'retrieve' | 'delete' | 'cancel' | 'input_items'; id: string };

export function storedRouteOf(method: string, path: string): StoredRoute | undefined {
  const match = /^\/v1\/responses\/([^/]+)(\/cancel|\/input_items)?$/.exec(path);
  if (!match) return undefined;
  const id = decodeURIComponent(match[1] ?? '');
  if (match[2] === '/cancel') return method === 'POST' ? { action: 'cancel', id } : undefined;
  if (match[2] === '/input_items') return method === 'GET' ? { action: 'input_items', id } : undefined;
  if (method === 'GET') return { action: 'retrieve', id };
  if (method === 'DELETE') return { action: 'delete', id };
  return undefined;
}

export function previousResponseNotFoundError(id: string): OpenAIErrorBody {
  return errorBody(`Previous response with id '${id}' not found.`, 'invalid_request_error', 'previous_response_id', 'previous_response_not_found');
}

/** The real API's answer to an input item id it does not store (404); it says why when the request has `store: false`. */
export function itemNotFoundError(id: string, storeFalse: boolean): OpenAIErrorBody {
  const why = storeFalse ? ' Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.' : '';
  return errorBody(`Item with id '${id}' not found.${why}`, 'invalid_request_error', 'input');
}

export function responseNotFoundError(id: string): OpenAIErrorBody {
  return errorBody(`Response with id '${id}' not found.`, 'invalid_request_error');
}

/** Only a background response that is still running can be cancelled; the fake makes none. */
export function cannotCancelError(): OpenAIErrorBody {
  return errorBody('Cannot cancel a synchronous response.', 'invalid_request_error');
}

/**
 * Tokens a follow-up inherits from the response it continues: that response's input and its
 * visible output, which the real API bills again as input.
 */
export function contextTokens(previous: StoredResponse): number {
  const { usage } = previous.plan;
  return usage.input_tokens + usage.output_tokens - usage.output_tokens_details.reasoning_tokens;
}

/** A Response request's `input` as stored items: a string is one user message; items get an id when they have none. */
export function inputItemsOf(input: unknown): Array<Record<string, unknown>> {
  const items = typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : Array.isArray(input) ? input.filter(isRecord) : [];
  return items.map((item) => {
    const content = typeof item['content'] === 'string' ? [{ type: 'input_text', text: item['content'] }] : item['content'];
    return { ...item, id: typeof item['id'] === 'string' ? item['id'] : `msg_${randomBytes(25).toString('hex')}`, type: item['type'] ?? 'message', content, status: 'completed' };
  });
}

/** `GET /v1/responses/{id}/input_items`: one page, `order` (default `desc`), `limit` (default 20) and `after` as the real API reads them. */
export function inputItemsPage(stored: StoredResponse, query: Record<string, string>): Record<string, unknown> {
  let items = query['order'] === 'asc' ? [...stored.inputItems] : [...stored.inputItems].reverse();
  const after = query['after'];
  if (after !== undefined) items = items.slice(items.findIndex((item) => item['id'] === after) + 1);
  const limit = Number(query['limit'] ?? 20);
  const data = items.slice(0, limit);
  return { object: 'list', data, first_id: data[0]?.['id'] ?? null, last_id: data.at(-1)?.['id'] ?? null, has_more: items.length > data.length };
}

/** The organisation's stored responses and items, by id. */
export class FakeResponseStore {
  readonly #byId = new Map<string, StoredResponse>();
  readonly #items = new Map<string, Record<string, unknown>>();

  /** Keeps the response, its input (`resolveInput`'s items) and its output items. */
  save(plan: ResponsePlan, input: unknown): void {
    const inputItems = inputItemsOf(input);
    this.#byId.set(plan.id, { plan, inputItems });
    for (const item of [...inputItems, ...outputItems(plan)]) this.#items.set(String(item['id']), item);
  }

  hasItem(id: string): boolean {
    return this.#items.has(id);
  }

  /**
   * A request's `input` with every `item_reference` replaced by the stored item it names; an
   * item sent back with its id must be stored too. The first unknown id fails the request.
   */
  resolveInput(input: unknown): { ok: true; input: unknown } | { ok: false; id: string } {
    if (!Array.isArray(input)) return { ok: true, input };
    const resolved: unknown[] = [];
    for (const item of input) {
      const id = isRecord(item) ? item['id'] : undefined;
      if (typeof id !== 'string') {
        resolved.push(item);
        continue;
      }
      const stored = this.#items.get(id);
      if (stored === undefined) return { ok: false, id };
      const reference = isRecord(item) && (item['type'] === 'item_reference' || item['type'] === undefined || item['type'] === null);
      resolved.push(reference ? stored : item);
    }
    return { ok: true, input: resolved };
  }

  get(id: string): StoredResponse | undefined {
    return this.#byId.get(id);
  }

  delete(id: string): boolean {
    return this.#byId.delete(id);
  }

  /** The Response as `GET /v1/responses/{id}` returns it. */
  static body(stored: StoredResponse): Record<string, unknown> {
    return responseBody(stored.plan, true);
  }
}
