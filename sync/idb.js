// @ts-check
// IndexedDB, wrapped once (after jakearchibald/idb-keyval): every request or transaction becomes a
// promise through `promisifyRequest`, and a database is used through `use(stores, mode, callback)`.
// Nothing else in the app touches raw IndexedDB requests.

/**
 * A promise for a request's result, or for a transaction's completion.
 * @template T
 * @param {IDBRequest<T> | IDBTransaction} request
 * @returns {Promise<T>}
 */
export function promisifyRequest(request) {
  return new Promise((resolve, reject) => {
    const transaction = /** @type {any} */ (request);
    transaction.oncomplete = transaction.onsuccess = () => resolve(transaction.result);
    transaction.onabort = transaction.onerror = () => reject(transaction.error);
  });
}

/**
 * @typedef {<T>(stores: string | string[], mode: IDBTransactionMode, callback: (tx: IDBTransaction) => T | Promise<T>) => Promise<Awaited<T>>} UseDatabase
 *   Runs `callback` in one transaction over `stores` and resolves to its result once the
 *   transaction has committed (so a write is durable when the promise resolves).
 */

/**
 * Opens (and upgrades) a database once, lazily; answers the `use` function for it.
 * @param {string} name @param {number} version
 * @param {(database: IDBDatabase, oldVersion: number) => void} upgrade creates the object stores
 * @param {IDBFactory} [factory]
 * @returns {UseDatabase}
 */
export function openDatabase(name, version, upgrade, factory = globalThis.indexedDB) {
  /** @type {Promise<IDBDatabase> | null} */
  let opened = null;
  const database = () => {
    if (!opened) {
      const request = factory.open(name, version);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      opened = promisifyRequest(request).then((db) => {
        // Another tab with a newer app asks to upgrade: let it, and reopen on next use.
        db.onversionchange = () => {
          db.close();
          opened = null;
        };
        return db;
      });
    }
    return opened;
  };
  return async (stores, mode, callback) => {
    const tx = (await database()).transaction(stores, mode);
    const result = await callback(tx);
    await promisifyRequest(tx);
    return /** @type {any} */ (result);
  };
}

/** All values of a store (or an index), as a promise. @param {IDBObjectStore | IDBIndex} source */
export const getAll = (source) => promisifyRequest(source.getAll());
/** One value by key. @param {IDBObjectStore} store @param {IDBValidKey} key */
export const get = (store, key) => promisifyRequest(store.get(key));
