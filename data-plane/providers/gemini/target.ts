/** The model methods the gateway serves; everything else under `models/` is a 404. */
export const GEMINI_METHODS = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents'] as const;
export type GeminiMethod = (typeof GEMINI_METHODS)[number];

/** What a Gemini request URL asks for, and what of it may travel upstream. */
export interface GeminiTarget {
  apiVersion: 'v1beta' | 'v1';
  /** The model id without the `models/` prefix, e.g. `gemini-2.5-flash`. */
  model: string;
  method: GeminiMethod;
  /** The client asked for Server-Sent Events (`alt=sse`). */
  sse: boolean;
  /** A key sent as `?key=`, Google's other way of passing an API key. Never forwarded, never logged. */
  queryKey: string | null;
  /** Query for the upstream (`''` or `?…`): only allowlisted parameters. */
  upstreamQuery: string;
}

export type GeminiTargetParse = { ok: true; target: GeminiTarget } | { ok: false; method: string };

// h3 cannot route on the `:` inside a segment, so `/{version}/models/**` lands here and the
// rest is parsed by hand. One segment only: `tunedModels/…` and nested names are not served.
// The character set covers Google's model ids (`gemini-2.5-flash-preview-05-20`, `text-embedding-004`).
const MODEL_PATH = /^\/(v1beta|v1)\/models\/([A-Za-z0-9][A-Za-z0-9._-]{0,127}):([A-Za-z]+)$/;

/**
 * Query parameters passed upstream: an allowlist. `key` (and `access_token`) are
 * credentials, and `fields` could trim `usageMetadata` out of the answer the gateway bills from.
 */
const FORWARDED_QUERY = ['alt', '$alt', 'prettyPrint'] as const;

/** The upstream path: the same version and method, for the model the catalogue maps the public name to. */
export function upstreamPathFor(target: GeminiTarget, upstreamModel: string): string {
  const model = upstreamModel.startsWith('models/') ? upstreamModel.slice('models/'.length) : upstreamModel;
  return `/${target.apiVersion}/models/${encodeURIComponent(model)}:${target.method}${target.upstreamQuery}`;
}

function isMethod(value: string): value is GeminiMethod {
  return (GEMINI_METHODS as readonly string[]).includes(value);
}

/** Parses `/{v1beta|v1}/models/{model}:{method}?…`; the failure names the method for the 404. */
export function parseGeminiTarget(url: URL): GeminiTargetParse {
  const match = MODEL_PATH.exec(url.pathname);
  const method = match?.[3];
  if (!match || method === undefined || !isMethod(method)) return { ok: false, method: method ?? '' };
  const query = new URLSearchParams();
  for (const name of FORWARDED_QUERY) {
    for (const value of url.searchParams.getAll(name)) query.append(name, value);
  }
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const alt = url.searchParams.get('alt') ?? url.searchParams.get('$alt') ?? '';
  const key = url.searchParams.get('key')?.trim() ?? '';
  return {
    ok: true,
    target: {
      apiVersion: match[1] === 'v1' ? 'v1' : 'v1beta',
      model: match[2] ?? '',
      method,
      // `$alt=sse;enum-encoding=int` is the REST transports' spelling of the same request.
      sse: alt === 'sse' || alt.startsWith('sse;'),
      queryKey: key === '' ? null : key,
      upstreamQuery: search,
    },
  };
}
