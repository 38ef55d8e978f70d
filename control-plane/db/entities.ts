import { Account } from '../modules/account/account.entity.js';
import { AdminAudit } from '../modules/audit/admin-audit.entity.js';
import { JobRun } from '../modules/job-run/job-run.entity.js';
import { ApiKey } from '../modules/api-key/api-key.entity.js';
import { CatalogueModel, PriceVersion } from '../modules/catalogue/catalogue.entity.js';
import { Notification, OutboxEmail } from '../modules/notification/notification.entity.js';
import { PolicyVersion, PolicyView } from '../modules/policy/policy.entity.js';
import { DataExport, DataExportLink, EmailChange } from '../modules/privacy/privacy.entity.js';
import { Session } from '../modules/session/session.entity.js';
import { LoginFailure, SecurityEvent } from '../modules/security-event/security-event.entity.js';
import { UpstreamCredential } from '../modules/upstream-credential/upstream-credential.entity.js';

/** Every entity the control-plane maps. A new table starts here (and in a migration). */
export const entities = [Account, Session, SecurityEvent, LoginFailure, ApiKey, Notification, OutboxEmail, CatalogueModel, PriceVersion, EmailChange, DataExport, DataExportLink, PolicyVersion, PolicyView, AdminAudit, JobRun, UpstreamCredential];
