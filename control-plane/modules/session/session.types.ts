import { Field, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { UserError } from '../../graphql/user-error.js';
import type { Session } from './session.entity.js';

@ObjectType('Session', { implements: Node, description: 'A logged-in browser or client.' })
export class SessionType extends Node {
  @Field({ description: 'When the session started (the login).' })
  createdAt!: Date;

  @Field({ description: 'When the session was last used (to the minute).' })
  lastSeenAt!: Date;

  @Field({ description: 'When the session ends at the latest, however active it is.' })
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: 'The IP address the session was started from.' })
  ip!: string | null;

  @Field(() => String, { nullable: true, description: 'The user agent that started the session.' })
  userAgent!: string | null;

  @Field({ description: 'Whether this is the session making the request.' })
  current!: boolean;

  static from(session: Session, currentId: string | undefined): SessionType {
    return Object.assign(new SessionType(), {
      id: toGlobalId('Session', session.id),
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      expiresAt: session.expiresAt,
      ip: session.ip,
      userAgent: session.userAgent,
      current: session.id === currentId,
    });
  }
}

export const SessionConnection = Connection('Session', SessionType, 'A page of active sessions, newest first.');

@ObjectType({ description: 'The result of sessionRevoke.' })
export class SessionRevokePayload {
  @Field(() => SessionType, { nullable: true, description: 'The ended session, or null when userErrors is not empty.' })
  session!: SessionType | null;

  @Field(() => [UserError], { description: 'Why nothing was revoked (NOT_FOUND).' })
  userErrors!: UserError[];
}
