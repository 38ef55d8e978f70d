import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../../shared/logger.js';

/** The caller is not logged in (or the session ended). */
export function unauthenticated(): GraphQLError {
  return new GraphQLError('You must be logged in.', { extensions: { code: 'UNAUTHENTICATED' } });
}

/** The caller is logged in but may not do this. */
export function forbidden(): GraphQLError {
  return new GraphQLError('You are not allowed to do this.', { extensions: { code: 'FORBIDDEN' } });
}

/** An argument is malformed (a bad global id, a page size out of range). */
export function badInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}) } });
}

/**
 * Deliberate GraphQLErrors (ours, and Apollo's and graphql-js's validation errors)
 * reach the client as they are; anything else is a bug or an infrastructure failure
 * and becomes "Unexpected error." with the request id, details only in development.
 */
export function createErrorFormatter(options: { exposeDetails: boolean; logger: Logger }) {
  return (formatted: GraphQLFormattedError, error: unknown, requestId: string): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof GraphQLError) return formatted;
    options.logger.error({ err: original, requestId, path: formatted.path }, 'unexpected error in GraphQL operation');
    return {
      message: 'Unexpected error.',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: 'INTERNAL_SERVER_ERROR',
        requestId,
        ...(options.exposeDetails && original instanceof Error
          ? { details: original.message, stacktrace: original.stack?.split('\n') }
          : {}),
      },
    };
  };
}
