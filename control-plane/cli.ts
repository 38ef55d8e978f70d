import 'reflect-metadata';
import { createLogger } from '../shared/logger.js';
import { loadControlPlaneConfig } from './config.js';
import { migrate, openDatabase } from './db/orm.js';
import { promoteToAdmin } from './modules/account/admin-bootstrap.js';

const USAGE = `usage:
  npm run migrate                       apply pending database migrations
  npm run admin -- promote <login>      make the account with this username or email an admin
With the embedded database, stop the server first: one process at a time owns the data folder.`;

const [command, argument] = process.argv.slice(2);
const config = loadControlPlaneConfig();
const logger = createLogger({ level: 'warn', name: 'cli' });

if (command !== 'migrate' && !(command === 'promote' && argument)) {
  console.error(USAGE);
  process.exit(2);
}

const db = await openDatabase(config.database, logger);
try {
  const applied = await migrate(db);
  if (command === 'migrate') {
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } else {
    const result = await promoteToAdmin(db.fork(), argument!);
    console.log(
      { PROMOTED: `${argument} is now an admin`, ALREADY_ADMIN: `${argument} already is an admin`, NOT_FOUND: `no account named ${argument}` }[result],
    );
    process.exitCode = result === 'NOT_FOUND' ? 1 : 0;
  }
} finally {
  await db.close();
}
