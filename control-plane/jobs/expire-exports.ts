import { expireDataExports } from '../modules/privacy/data-export.service.js';
import type { Job } from './index.js';

/** An expired export leaves no archive behind; its record goes 30 days later. */
export const EXPORT_RECORD_KEEP_MS = 30 * 86_400_000;

/** Deletes expired export archives and download links, and marks their exports EXPIRED. */
export const expireExportsJob: Job = {
  name: 'expire-exports',
  everyMs: 5 * 60_000,
  run: ({ db }) => expireDataExports(db.fork(), { keepRecordsMs: EXPORT_RECORD_KEEP_MS }),
};
