import { v7 as uuidv7 } from 'uuid';

/**
 * A new time-ordered UUID (RFC 9562 v7). Used for every primary key and request id:
 * ordered ids keep b-tree inserts local and sort by creation without another column.
 */
export function newId(): string {
  return uuidv7();
}
