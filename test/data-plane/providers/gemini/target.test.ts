// The Gemini request URL: `{version}/models/{model}:{method}` parsed by hand (h3 cannot route on
// the colon), the key taken out of the query, and only allowlisted parameters kept for upstream.
import { describe, expect, it } from 'vitest';
import { parseGeminiTarget, upstreamPathFor } from '../../../../data-plane/providers/gemini/target.js';

function parse(pathAndQuery: string) {
  return parseGeminiTarget(new URL(pathAndQuery, 'http://gateway.test'));
}

describe('parseGeminiTarget', () => {
  it('reads version, model and method on both versions', () => {
    expect(parse('/v1beta/models/gemini-2.5-flash:generateContent')).toEqual({
      ok: true,
      target: { apiVersion: 'v1beta', model: 'gemini-2.5-flash', method: 'generateContent', sse: false, queryKey: null, upstreamQuery: '' },
    });
    expect(parse('/v1/models/text-embedding-004:embedContent')).toMatchObject({ ok: true, target: { apiVersion: 'v1', model: 'text-embedding-004', method: 'embedContent' } });
  });

  it('takes the key out of the query and forwards only alt, $alt and prettyPrint', () => {
    const parsed = parse('/v1beta/models/gemini-2.5-pro:streamGenerateContent?key=tbk_secret&alt=sse&fields=candidates&access_token=t&prettyPrint=false');
    expect(parsed).toMatchObject({ ok: true, target: { sse: true, queryKey: 'tbk_secret', upstreamQuery: '?alt=sse&prettyPrint=false' } });
    if (!parsed.ok) throw new Error('expected a target');
    // The upstream path names the catalogue's upstream model, same version and method, and no key.
    expect(upstreamPathFor(parsed.target, 'gemini-2.5-pro-002')).toBe('/v1beta/models/gemini-2.5-pro-002:streamGenerateContent?alt=sse&prettyPrint=false');
    expect(upstreamPathFor(parsed.target, 'models/gemini-2.5-pro')).toBe('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&prettyPrint=false');
  });

  it("recognises the REST transports' $alt=sse;enum-encoding=int as a stream", () => {
    expect(parse('/v1beta/models/m:streamGenerateContent?$alt=sse;enum-encoding=int')).toMatchObject({ ok: true, target: { sse: true } });
    expect(parse('/v1beta/models/m:streamGenerateContent?alt=json')).toMatchObject({ ok: true, target: { sse: false } });
  });

  it('treats an empty ?key= as no key', () => {
    expect(parse('/v1beta/models/m:countTokens?key=')).toMatchObject({ ok: true, target: { queryKey: null } });
  });

  it('refuses unknown methods, missing methods, nested names, other versions and odd model ids', () => {
    for (const path of [
      '/v1beta/models/gemini-2.5-flash:predict',
      '/v1beta/models/gemini-2.5-flash',
      '/v1beta/models/a/b:generateContent',
      '/v1alpha/models/gemini-2.5-flash:generateContent',
      '/v1beta/tunedModels/x:generateContent',
      '/v1beta/models/-bad:generateContent',
      '/v1beta/models/:generateContent',
    ]) {
      expect(parse(path).ok, path).toBe(false);
    }
    expect(parse('/v1beta/models/gemini-2.5-flash:predict')).toEqual({ ok: false, method: 'predict' });
  });
});
