import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { writeChunk } from './respond.js';
import { classifyUpstreamError, type UpstreamFailure } from './upstream.js';

/** A pass-through stage between upstream and client (e.g. the OpenAI usage filter). */
export interface StreamStage {
  transform(chunk: Uint8Array): Uint8Array[] | Uint8Array;
  flush(): Uint8Array;
}

export type StreamEnding =
  | { kind: 'complete' }
  | { kind: 'failed'; failure: UpstreamFailure; /** The last byte sent to the client, to frame what follows. */ lastByte: number | undefined };

/**
 * What a route tells its client when the upstream fails mid-stream, in the stream's own
 * format: the bytes to write before the end, or null to cut the connection (a format, like
 * a JSON body, that cannot carry an error). See ProxyCall.endStream.
 */
export type MidStreamReport = (kind: 'timeout' | 'unreachable', ending: Extract<StreamEnding, { kind: 'failed' }>) => string | Uint8Array | null;

/** What goes before a gateway event written after `ending`'s last byte, so it starts an event of its own. */
export function eventSeparator(ending: Extract<StreamEnding, { kind: 'failed' }>): string {
  return ending.lastByte === 0x0a || ending.lastByte === undefined ? '' : '\n\n';
}

/**
 * Copies an upstream body to the client chunk by chunk: each upstream chunk goes through
 * `stage` and is written the moment it arrives, nothing is held back except what the
 * stage needs to finish an event. When the client's socket is full the upstream is not
 * read until it drains, so a slow client slows the upstream instead of filling memory.
 *
 * Does not end the response: the caller decides how a failed stream is closed.
 */
export async function forwardStream(
  res: ServerResponse,
  body: Readable,
  stage: StreamStage,
  signal: AbortSignal,
  onFirstByte: () => void,
): Promise<StreamEnding> {
  let lastByte: number | undefined;
  const write = (piece: Uint8Array): Promise<unknown> | undefined => {
    if (piece.byteLength > 0) lastByte = piece[piece.byteLength - 1];
    return writeChunk(res, piece, signal);
  };
  try {
    let first = true;
    for await (const chunk of body) {
      if (first) {
        first = false;
        onFirstByte();
      }
      const out = stage.transform(chunk as Buffer);
      if (Array.isArray(out)) {
        for (const piece of out) {
          const drained = write(piece);
          if (drained) await drained;
        }
      } else {
        // Not `await write(out)`: awaiting undefined would still cost a turn per chunk.
        const drained = write(out);
        if (drained) await drained;
      }
    }
    const drained = write(stage.flush());
    if (drained) await drained;
    return { kind: 'complete' };
  } catch (error) {
    // Leaving the loop destroys the upstream body, which aborts the upstream request.
    return { kind: 'failed', failure: classifyUpstreamError(error, signal), lastByte };
  }
}

/** Two stages in a row: whatever `first` lets out goes through `second`, so `second` sees exactly what the client gets. */
export function pipeStages(first: StreamStage, second: StreamStage): StreamStage {
  const through = (pieces: Uint8Array[] | Uint8Array): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (const piece of Array.isArray(pieces) ? pieces : [pieces]) {
      const passed = second.transform(piece);
      if (Array.isArray(passed)) out.push(...passed);
      else out.push(passed);
    }
    return out;
  };
  return {
    transform: (chunk) => {
      const out = through(first.transform(chunk));
      return out.length === 1 && out[0] !== undefined ? out[0] : out;
    },
    flush: () => {
      const out = [...through(first.flush()), second.flush()];
      return out.length === 1 && out[0] !== undefined ? out[0] : Buffer.concat(out);
    },
  };
}
