import { Field, ID, InterfaceType } from 'type-graphql';
import { badInput } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Encodes a type name and database id into an opaque global id. */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

/** Decodes a global id; null when it is malformed or of another type. */
export function fromGlobalId(globalId: string, expectedType?: string): { type: string; id: string } | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const type = decoded.slice(0, colon);
  const id = decoded.slice(colon + 1);
  if (!UUID.test(id) || (expectedType && type !== expectedType)) return null;
  return { type, id };
}

/** Like {@link fromGlobalId} but a bad id is the caller's error. */
export function requireGlobalId(globalId: string, expectedType: string, argument = 'id'): string {
  const parsed = fromGlobalId(globalId, expectedType);
  if (!parsed) throw badInput(`Not a valid ${expectedType} id.`, argument);
  return parsed.id;
}

@InterfaceType({ description: 'An object with a globally unique, opaque id.' })
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique, opaque identifier.' })
  id!: string;
}
