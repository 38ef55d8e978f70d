import type { EntityClass, FilterQuery } from '@mikro-orm/core';
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { Em } from '../db/orm.js';
import { badInput } from './errors.js';

export const MAX_PAGE_SIZE = 100;

@ObjectType({ description: 'Where a page sits in the whole list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items precede this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item of the page; pass it as `after` for the next page.' })
  endCursor!: string | null;
}

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { defaultValue: 20, description: `How many items to return (1–${MAX_PAGE_SIZE}).` })
  first!: number;

  @Field(() => String, { nullable: true, description: 'Return the items after this cursor.' })
  after?: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
}

/** Builds the `XConnection` and `XEdge` object types for a node type. */
export function Connection<T extends object>(name: string, nodeType: ClassType<T>, description: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} in a list, with its cursor.` })
  class Edge {
    @Field({ description: 'Opaque cursor of this item.' })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description })
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge], { description: 'The items of this page, with cursors.' })
    edges!: Edge[];

    @Field(() => [nodeType], { description: 'The items of this page.' })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Paging information.' })
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/**
 * Pages through an entity newest-first by keyset on its UUIDv7 id (ids are
 * time-ordered, so this is creation order without an offset scan).
 */
export async function paginate<E extends { id: string }, T>(
  em: Em,
  entity: EntityClass<E>,
  where: FilterQuery<E>,
  args: ConnectionArgs,
  toNode: (entity: E) => T,
): Promise<ConnectionShape<T>> {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, 'first');
  }
  const afterId = args.after ? decodeCursor(args.after) : null;
  const filter = (afterId ? { $and: [where, { id: { $lt: afterId } }] } : where) as FilterQuery<E>;
  const rows = await em.find(entity, filter, { orderBy: { id: 'desc' } as never, limit: args.first + 1 });
  const page = rows.slice(0, args.first);
  const edges = page.map((row) => ({ cursor: encodeCursor(row.id), node: toNode(row) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: Object.assign(new PageInfo(), {
      hasNextPage: rows.length > args.first,
      hasPreviousPage: afterId !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    }),
  };
}

function encodeCursor(id: string): string {
  return Buffer.from(`c:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^c:[0-9a-f-]{36}$/.test(decoded)) throw badInput('Not a valid cursor.', 'after');
  return decoded.slice(2);
}
