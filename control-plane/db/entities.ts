import { Account } from '../modules/account/account.entity.js';
import { ApiKey } from '../modules/api-key/api-key.entity.js';
import { Notification, OutboxEmail } from '../modules/notification/notification.entity.js';
import { Session } from '../modules/session/session.entity.js';
import { LoginFailure, SecurityEvent } from '../modules/security-event/security-event.entity.js';

/** Every entity the control-plane maps. A new table starts here (and in a migration). */
export const entities = [Account, Session, SecurityEvent, LoginFailure, ApiKey, Notification, OutboxEmail];
