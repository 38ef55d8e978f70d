import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection.js';
import { Node, toGlobalId } from '../../graphql/node.js';
import { SecurityEventType, type SecurityEvent } from './security-event.entity.js';

registerEnumType(SecurityEventType, {
  name: 'SecurityEventType',
  description: 'What happened to the account.',
  valuesConfig: {
    SIGN_UP: { description: 'The account was created.' },
    LOGIN_SUCCESS: { description: 'Someone logged in.' },
    LOGIN_FAILURE: { description: 'Someone tried to log in with a wrong password.' },
    LOGIN_THROTTLED: { description: 'A login was refused because of too many failed attempts.' },
    LOGOUT: { description: 'A session was ended by logging out.' },
    PASSWORD_CHANGE: { description: 'The password was changed; other sessions ended.' },
    SESSION_REVOKE: { description: 'A session was ended from the session list.' },
    API_KEY_CREATE: { description: 'An API key was created.' },
    API_KEY_ROTATE: { description: 'An API key got a new secret.' },
    API_KEY_REVOKE: { description: 'An API key was revoked (by its owner or an admin).' },
    USERNAME_CHANGE: { description: 'The username was changed.' },
    EMAIL_CHANGE_REQUEST: { description: 'A new email address was asked for; a code was mailed to it.' },
    EMAIL_CHANGE: { description: 'The new email address was verified and replaced the old one.' },
    DATA_EXPORT_REQUEST: { description: 'An export of the account\'s data was requested.' },
    DATA_EXPORT_DOWNLOAD: { description: 'An export archive was downloaded.' },
  },
});

@ObjectType('SecurityEvent', { implements: Node, description: 'A security-relevant event on my account, with where it came from.' })
export class SecurityEventObject extends Node {
  @Field(() => SecurityEventType, { description: 'What happened.' })
  type!: SecurityEventType;

  @Field({ description: 'When it happened.' })
  createdAt!: Date;

  @Field(() => String, { nullable: true, description: 'The IP address of the request.' })
  ip!: string | null;

  @Field(() => String, { nullable: true, description: 'The user agent of the request.' })
  userAgent!: string | null;

  static from(event: SecurityEvent): SecurityEventObject {
    return Object.assign(new SecurityEventObject(), {
      id: toGlobalId('SecurityEvent', event.id),
      type: event.type,
      createdAt: event.createdAt,
      ip: event.ip,
      userAgent: event.userAgent,
    });
  }
}

export const SecurityEventConnection = Connection('SecurityEvent', SecurityEventObject, 'A page of security events, newest first.');
