import { afterEach, describe, expect, it, vi } from 'vitest';
import { controlPlaneConfigFrom, loadControlPlaneConfig } from '../../control-plane/config.js';
import { loadDataPlaneConfig } from '../../data-plane/config.js';

afterEach(() => vi.restoreAllMocks());

function captureExit(run: () => unknown): { code: number | undefined; stderr: string } {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    throw Object.assign(new Error('exit'), { exitCode: code });
  }) as never);
  try {
    run();
  } catch (error) {
    if ((error as Error).message !== 'exit') throw error;
  }
  return { code: exit.mock.calls[0]?.[0] as number | undefined, stderr };
}

describe('configuration', () => {
  it('has working defaults: embedded database in ./.data, ports 4000 and 8080, 30 min idle / 12 h absolute sessions', () => {
    const control = controlPlaneConfigFrom({});
    expect(control.database).toEqual({ kind: 'pglite', dataDir: expect.stringMatching(/\.data[\\/]pglite$/) });
    expect(control.http).toMatchObject({ host: '127.0.0.1', port: 4000 });
    expect(control.session).toMatchObject({ idleTimeoutMs: 30 * 60_000, absoluteTimeoutMs: 12 * 3_600_000, secureCookie: false });
    expect(control.graphql.introspection).toBe(true);
    expect(loadDataPlaneConfig({}).http).toMatchObject({ host: '127.0.0.1', port: 8080 });
  });

  it('uses PostgreSQL when DATABASE_URL is set, and secure cookies without introspection in production', () => {
    const config = controlPlaneConfigFrom({
      DATABASE_URL: 'postgres://db.internal:5432/tokenbyte',
      NODE_ENV: 'production',
      API_KEY_PEPPER: 'a production pepper of at least 32 characters',
      UPSTREAM_CREDENTIALS_KEY: 'c0ffee'.padEnd(64, '0'),
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://db.internal:5432/tokenbyte' });
    expect(config.session.secureCookie).toBe(true);
    expect(config.graphql.introspection).toBe(false);
  });

  it('reports every bad variable at once, then exits non-zero', () => {
    const { code, stderr } = captureExit(() =>
      loadControlPlaneConfig({
        DATABASE_URL: 'mysql://nope',
        CONTROL_PLANE_PORT: '99999',
        SESSION_IDLE_TIMEOUT_SECONDS: 'soon',
        COOKIE_SECURE: 'maybe',
      }),
    );
    expect(code).toBe(1);
    for (const name of ['DATABASE_URL', 'CONTROL_PLANE_PORT', 'SESSION_IDLE_TIMEOUT_SECONDS', 'COOKIE_SECURE']) expect(stderr).toContain(name);
  });

  it('requires API_KEY_PEPPER in production, where the planes run apart and must share it', () => {
    for (const load of [loadControlPlaneConfig, loadDataPlaneConfig]) {
      const { code, stderr } = captureExit(() => load({ NODE_ENV: 'production' }));
      expect(code).toBe(1);
      expect(stderr).toContain('API_KEY_PEPPER: is required in production');
    }
  });

  it('requires the same UPSTREAM_CREDENTIALS_KEY on both planes in production, and refuses one that is not 32 bytes', () => {
    for (const load of [loadControlPlaneConfig, loadDataPlaneConfig]) {
      const missing = captureExit(() => load({ NODE_ENV: 'production', API_KEY_PEPPER: 'a production pepper of at least 32 characters' }));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('UPSTREAM_CREDENTIALS_KEY: is required in production');
      const short = captureExit(() => load({ UPSTREAM_CREDENTIALS_KEY: 'abcd' }));
      expect(short.code).toBe(1);
      expect(short.stderr).toContain('UPSTREAM_CREDENTIALS_KEY');
    }
  });

  it('reads the retry settings and refuses nonsense', () => {
    expect(loadDataPlaneConfig({ UPSTREAM_MAX_ATTEMPTS: '1', UPSTREAM_RETRY_DEADLINE_MS: '5000' }).retry).toEqual({
      maxAttempts: 1,
      deadlineMs: 5000,
      baseDelayMs: 250,
      cooldownMs: 5000,
    });
    const { code, stderr } = captureExit(() => loadDataPlaneConfig({ UPSTREAM_MAX_ATTEMPTS: '0' }));
    expect(code).toBe(1);
    expect(stderr).toContain('UPSTREAM_MAX_ATTEMPTS');
  });

  it('refuses an idle timeout longer than the absolute timeout', () => {
    const { code, stderr } = captureExit(() => loadControlPlaneConfig({ SESSION_IDLE_TIMEOUT_SECONDS: '7200', SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600' }));
    expect(code).toBe(1);
    expect(stderr).toContain('SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS');
  });
});
