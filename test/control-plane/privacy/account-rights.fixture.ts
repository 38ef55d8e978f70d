import { Account } from '../../../control-plane/modules/account/account.entity.js';
import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { Notification, OutboxEmail } from '../../../control-plane/modules/notification/notification.entity.js';
import type { TestControlPlane } from '../../helpers/control-plane.js';
import { LOG_IN, signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';

/** Operations of deletion, restriction and suspension (migration 0007), as a client sends them. */
export const ACCOUNT_STATE = `suspended suspendedAt suspensionReason processingRestricted processingRestrictedAt
  processingRestrictionLiftScheduledAt deletionRequestedAt`;

export const DELETION_REQUEST = `mutation($input: AccountDeletionRequestInput!) {
  accountDeletionRequest(input: $input) { requestedAt purgeScheduledAt userErrors { field code message } } }`;
export const RESTRICTION_SET = `mutation($restricted: Boolean!) {
  processingRestrictionSet(restricted: $restricted) { account { id ${ACCOUNT_STATE} } userErrors { field code message } } }`;
export const RESTRICTION_LIFT = `mutation($accountId: ID!) {
  processingRestrictionLift(accountId: $accountId) { account { id ${ACCOUNT_STATE} } liftScheduledAt userErrors { field code message } } }`;
export const SUSPEND = `mutation($id: ID!, $reason: String) {
  accountSuspend(id: $id, reason: $reason) { account { id ${ACCOUNT_STATE} } userErrors { field code message } } }`;
export const UNSUSPEND = `mutation($id: ID!) { accountUnsuspend(id: $id) { account { id ${ACCOUNT_STATE} } userErrors { field code message } } }`;
export const ME_STATE = `query { me { id ${ACCOUNT_STATE} } }`;
export const NODE_STATE = `query($id: ID!) { node(id: $id) { id ... on Account { username ${ACCOUNT_STATE} } } }`;

/** The database id inside a global id. */
export function dbId(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString().split(':')[1]!;
}

export interface Person {
  client: GraphQLClient;
  username: string;
  email: string;
  password: string;
  /** Global id. */
  id: string;
  accountId: string;
}

/** A signed-up account, logged in on a client of its own (with these headers). */
export async function newPerson(cp: TestControlPlane, headers?: Record<string, string>): Promise<Person> {
  const client = cp.client(headers);
  const user = await signUpAndLogIn(client);
  return { client, username: user.username, email: user.email, password: user.password, id: user.id, accountId: dbId(user.id) };
}

/** A logged-in admin. */
export async function newAdmin(cp: TestControlPlane): Promise<Person> {
  const admin = await newPerson(cp);
  await promoteToAdmin(cp.db.fork(), admin.username);
  return admin;
}

/** Another session of the same person, on a client of its own. */
export async function anotherSession(cp: TestControlPlane, person: Person): Promise<GraphQLClient> {
  const client = cp.client();
  await client.data(LOG_IN, { input: { login: person.username, password: person.password } });
  return client;
}

export async function logIn(cp: TestControlPlane, login: string, password: string) {
  const result = await cp.client().request<{ logIn: { account: unknown; userErrors: { field: string[] | null; code: string; message: string }[] } }>(
    LOG_IN,
    { input: { login, password } },
  );
  return result.data!.logIn;
}

export async function accountRow(cp: TestControlPlane, accountId: string): Promise<Account | null> {
  return cp.db.fork().findOne(Account, { id: accountId });
}

export async function outboxOf(cp: TestControlPlane, accountId: string): Promise<OutboxEmail[]> {
  return cp.db.fork().find(OutboxEmail, { account: accountId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

export async function feedOf(cp: TestControlPlane, accountId: string): Promise<Notification[]> {
  return cp.db.fork().find(Notification, { account: accountId }, { orderBy: { id: 'asc' } });
}
