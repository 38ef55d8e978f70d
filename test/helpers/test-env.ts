/** The PostgreSQL server tests use, if any: TEST_DATABASE_URL, else DATABASE_URL. Unset means PGlite. */
export function testServerUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite mode: path of a data-dir tarball that already has every migration applied. */
    pgliteSnapshot: string | null;
    /** Server mode: name of a migrated template database to clone per test file. */
    templateDatabase: string | null;
  }
}

/** The API-key pepper every test plane shares, so keys made by one are accepted by the other. */
export const TEST_API_KEY_PEPPER = 'test-pepper-0123456789abcdef0123456789abcdef';

/** The UPSTREAM_CREDENTIALS_KEY every test plane shares (64 hex characters), so credentials sealed by one open in the other. */
export const TEST_UPSTREAM_CREDENTIALS_KEY = '7e57c0de'.repeat(8);
