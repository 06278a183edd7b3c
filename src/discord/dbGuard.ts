/**
 * Guards the bot's SQLite store against its file disappearing while the bot runs.
 *
 * SQLite keeps writing to a database file that was deleted (the open descriptor still points at
 * the unlinked inode), so a subscription confirmed after `rm papertalk.sqlite` would silently vanish
 * at the next restart. Before every write, and every `checkEveryMs`, the guard checks that the
 * file at the configured path is still the one it opened:
 *
 * - deleted → the live database is written back to its path (serialised from the open
 *   connection, via a temporary file and a rename) and reopened; an error names the file;
 * - replaced by another file → writes are refused with a `StoreError` (the bot says nothing was
 *   changed) until a restart, instead of writing into a file nobody will read again.
 *
 * It also sets a short busy timeout for the running bot (writes wait at most `busyTimeoutMs` for a
 * lock another process holds; better-sqlite3 is synchronous, so a long wait would stall every
 * interaction), and passes everything else through unchanged.
 */
import { renameSync, statSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { StoreError } from '../store/errors.ts';
import type { Store } from '../store/store.ts';

export interface GuardOptions {
  /** Opens the store at its configured path (used at start and to reopen after a restore). */
  open: () => Store;
  logger: Logger;
  /** Busy timeout while running (default 1000 ms). */
  busyTimeoutMs?: number;
  /** Periodic check (default 30 s; 0 = only before writes). */
  checkEveryMs?: number;
}

export interface GuardedStore {
  /** The store to hand out (a proxy over the current connection). */
  readonly store: Store;
  /** Checks the file now (restores it when deleted). */
  check(): void;
  /** Stops the periodic check (the store itself is closed with `store.close()`). */
  stop(): void;
}

/** Store methods that write. */
const WRITES = /^(add|remove|set|mark|claim|record|rate|kvSet|kvDelete|kvPurge|transaction)/;

function identity(path: string): { dev: number; ino: number } | null {
  try {
    const st = statSync(path);
    return { dev: st.dev, ino: st.ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function guardStore(options: GuardOptions): GuardedStore {
  const log = options.logger;
  const busy = Math.max(0, Math.floor(options.busyTimeoutMs ?? 1000));
  let current = options.open();
  const memory = current.path === ':memory:';
  const tune = (s: Store): void => {
    try {
      s.db.pragma(`busy_timeout = ${busy}`);
    } catch (err) {
      log.warn({ err }, 'could not set the database busy timeout');
    }
  };
  tune(current);
  let opened = memory ? null : identity(current.path);
  let replaced = false;
  let closed = false;

  const restore = (): void => {
    const path = current.path;
    log.error({ path }, `the database file ${path} was deleted while the bot was running; writing it back from the open connection`);
    let image: Buffer;
    try {
      image = current.db.serialize();
    } catch (err) {
      throw new StoreError('io', path, `the database file ${path} was deleted and could not be read back: ${(err as Error).message}`, { cause: err });
    }
    const tmp = `${path}.restore-${process.pid}`;
    try {
      writeFileSync(tmp, image);
      renameSync(tmp, path);
    } catch (err) {
      throw new StoreError('unwritable', path, `the database file ${path} was deleted and could not be written back: ${(err as Error).message}`, { cause: err });
    }
    const old = current;
    current = options.open();
    tune(current);
    opened = identity(path);
    try {
      old.close();
    } catch (err) {
      log.warn({ err }, 'closing the connection to the deleted database file failed');
    }
    log.warn({ path }, `database file ${path} restored and reopened`);
  };

  const check = (): void => {
    if (memory || closed) return;
    if (replaced) throw new StoreError('io', current.path, `the database file ${current.path} was replaced while the bot was running; restart the bot to use the new file`);
    const now = identity(current.path);
    if (!now) return restore();
    if (opened && (now.ino !== opened.ino || now.dev !== opened.dev)) {
      replaced = true;
      log.error({ path: current.path }, `the database file ${current.path} was replaced by another file while the bot was running; changes are refused until a restart`);
      throw new StoreError('io', current.path, `the database file ${current.path} was replaced while the bot was running; restart the bot to use the new file`);
    }
  };

  const store = new Proxy({} as Store, {
    get(_target, prop) {
      if (prop === 'close') {
        return () => {
          closed = true;
          if (timer) clearInterval(timer);
          // Deleted since the last check: write it back first, so nothing is lost at restart.
          if (!memory && !replaced) {
            try {
              if (!identity(current.path)) restore();
            } catch (err) {
              log.error({ err }, 'could not write the deleted database file back');
            }
          }
          current.close();
        };
      }
      const value = (current as unknown as Record<PropertyKey, unknown>)[prop];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && WRITES.test(prop)) check();
        return (current as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[prop]!(...args);
      };
    },
  });

  const every = options.checkEveryMs ?? 30_000;
  const timer =
    every > 0 && !memory
      ? setInterval(() => {
          try {
            check();
          } catch {
            // logged by check()
          }
        }, every)
      : null;
  timer?.unref();

  return {
    store,
    check,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
