// Typed request/reply over the IPC channel of `child_process.fork`, for the benchmark's
// children: the orchestrator calls a method by name, the child answers with its result.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A child's remote interface: every method takes at most one JSON-serialisable argument. */
type Api = { [method: string]: (params: never) => Promise<unknown> };

interface CallMessage {
  id: number;
  method: string;
  params: unknown;
}

type ReplyMessage = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Every child still alive, so the orchestrator can kill them whatever way it exits. */
const alive = new Set<ChildProcess>();

/** Kills every benchmark child still running (SIGKILL: used when things already went wrong). */
export function killAllChildren(): void {
  for (const child of alive) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  alive.clear();
}

/** The orchestrator's handle on one forked child. */
export class BenchChild<T extends Api> {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #exited: Promise<void>;
  #nextId = 1;

  private constructor(
    readonly name: string,
    child: ChildProcess,
  ) {
    this.#child = child;
    alive.add(child);
    child.on('message', (message: ReplyMessage) => {
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        alive.delete(child);
        const why = new Error(`${name} exited (${signal ?? `code ${code}`}) while a call was pending`);
        for (const waiter of this.#pending.values()) waiter.reject(why);
        this.#pending.clear();
        resolve();
      });
    });
  }

  /** Forks the compiled sibling module `file` (e.g. `upstream.child.js`). */
  static fork<T extends Api>(name: string, file: string, options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): BenchChild<T> {
    const path = fileURLToPath(new URL(file, import.meta.url));
    const child = fork(path, [], { env: options.env, execArgv: options.execArgv ?? [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new BenchChild<T>(name, child);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Calls `method` in the child; rejects after `timeoutMs` or if the child dies. */
  call<K extends keyof T & string>(method: K, params: Parameters<T[K]>[0], timeoutMs: number): Promise<Awaited<ReturnType<T[K]>>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${method} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as Awaited<ReturnType<T[K]>>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const message: CallMessage = { id, method, params };
      this.#child.send(message, (error) => {
        if (error) this.#pending.get(id)?.reject(error);
      });
    });
  }

  /** Asks the child to shut down (`stop` of its API), then kills it if it has not exited within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const deadline = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    try {
      await this.call('stop', undefined as never, timeoutMs).catch(() => this.#child.kill('SIGKILL'));
      await this.#exited;
    } finally {
      clearTimeout(deadline);
    }
  }
}

/**
 * Serves `api` to the parent. A `stop` method, if any, runs last: the child exits once it has
 * answered. The child also exits when the parent goes away (the IPC channel closes), so a
 * crashed or killed orchestrator never leaves a child behind; `onParentGone` runs first, to
 * clean up what the parent no longer can. (A child busy with synchronous work, such as
 * PGlite's first start, notices only once that work is done.)
 */
export function serveCalls<T extends Api>(api: T, onParentGone?: () => void): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('a benchmark child must be started with child_process.fork');
  process.on('disconnect', () => {
    try {
      onParentGone?.();
    } finally {
      process.exit(0);
    }
  });
  process.on('message', (message: CallMessage) => {
    const method = api[message.method];
    const result = method ? method(message.params as never) : Promise.reject(new Error(`no method ${message.method}`));
    result.then(
      (value) => {
        const reply: ReplyMessage = { id: message.id, ok: true, value };
        send(reply, () => {
          if (message.method === 'stop') process.exit(0);
        });
      },
      (error: unknown) => {
        const reply: ReplyMessage = { id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
        send(reply, () => {
          if (message.method === 'stop') process.exit(1);
        });
      },
    );
  });
}
