// Benchmark child, server mode only: a control-plane that prepares a fresh database on the
// PostgreSQL server (migrations, catalogue seed, one key) and stops, as a separate deployment
// would have done before the data-plane starts; asked to stop, it drops that database.
import { pino } from 'pino';
import { createLogger } from '../../shared/logger.js';
import { createServerDatabase, issueKey, startControl } from './control-setup.js';
import { serveCalls } from './ipc.js';
import type { ControlPlaneApi } from './protocol.js';

let drop: (() => Promise<void>) | undefined;

const api: ControlPlaneApi = {
  async prepare({ serverUrl, dataDir }) {
    const database = await createServerDatabase(serverUrl);
    drop = database.drop;
    const logger = createLogger({ level: 'info', name: 'tokenbyte', destination: pino.destination({ dest: '/dev/null', sync: true }) });
    const control = await startControl({ dataDir, databaseUrl: database.url, logger });
    try {
      return { databaseUrl: database.url, apiKey: await issueKey(control.db) };
    } finally {
      await control.stop();
    }
  },
  async stop() {
    await drop?.();
  },
};

serveCalls(api);
