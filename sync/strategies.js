// @ts-check
// Caching strategies as named units (after workbox-strategies): each takes a request and answers
// a response, and the service worker (site-templates/app/sw.js.mustache) is a table of routes →
// strategy. `caches` and `fetch` are injected so that the units stay plain functions.

/** @typedef {(request: Request) => Promise<Response>} Strategy */
/** @typedef {{caches?: CacheStorage, fetch?: typeof globalThis.fetch, ignoreSearch?: boolean, waitUntil?: (promise: Promise<unknown>) => void}} StrategyOptions */

/** Whether a response may be cached: a whole, successful, same-origin answer. @param {Response} response */
const cacheable = (response) => response.ok && response.status === 200 && (response.type === "basic" || response.type === "default");

/**
 * From the cache if there; otherwise from the network, kept for next time. For files that change
 * only with a new build (the cache is named after the build).
 * @param {string} cacheName @param {StrategyOptions} [options] @returns {Strategy}
 */
export function cacheFirst(cacheName, { caches = globalThis.caches, fetch = globalThis.fetch.bind(globalThis), ignoreSearch = false } = {}) {
  return async (request) => {
    const cache = await caches.open(cacheName);
    const cached = await cache.match(request, { ignoreSearch });
    if (cached) return cached;
    const response = await fetch(request);
    if (cacheable(response)) await cache.put(request, response.clone());
    return response;
  };
}

/**
 * From the cache at once when there, while the network refreshes the cache for next time; from
 * the network when not cached yet. For the app's pages: instant, offline, and up to date on the
 * next visit.
 * @param {string} cacheName @param {StrategyOptions} [options] @returns {Strategy}
 */
export function staleWhileRevalidate(cacheName, { caches = globalThis.caches, fetch = globalThis.fetch.bind(globalThis), ignoreSearch = false, waitUntil = () => {} } = {}) {
  return async (request) => {
    const cache = await caches.open(cacheName);
    const cached = await cache.match(request, { ignoreSearch });
    const key = ignoreSearch ? stripSearch(request) : request;
    const update = fetch(request).then(async (response) => {
      if (cacheable(response)) await cache.put(key, response.clone());
      return response;
    });
    if (cached) {
      waitUntil(update.catch(() => undefined));
      return cached;
    }
    return update;
  };
}

/**
 * From the network; from the cache when the network fails. For public pages: always fresh when
 * online, still readable offline once visited.
 * @param {string} cacheName @param {StrategyOptions} [options] @returns {Strategy}
 */
export function networkFirst(cacheName, { caches = globalThis.caches, fetch = globalThis.fetch.bind(globalThis), ignoreSearch = false } = {}) {
  return async (request) => {
    const cache = await caches.open(cacheName);
    try {
      const response = await fetch(request);
      if (cacheable(response)) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch });
      if (cached) return cached;
      throw error;
    }
  };
}

/**
 * A strategy whose failure (offline, nothing cached) answers a fallback from the cache instead:
 * the offline page for navigations.
 * @param {Strategy} strategy @param {string} cacheName @param {string} fallbackURL
 * @param {{caches?: CacheStorage}} [options] @returns {Strategy}
 */
export function withFallback(strategy, cacheName, fallbackURL, { caches = globalThis.caches } = {}) {
  return async (request) => {
    try {
      return await strategy(request);
    } catch (error) {
      const fallback = await (await caches.open(cacheName)).match(fallbackURL);
      if (fallback) return fallback;
      throw error;
    }
  };
}

/** The request's URL without its query, as a cache key. @param {Request} request */
function stripSearch(request) {
  const url = new URL(request.url);
  url.search = "";
  return url.toString();
}
