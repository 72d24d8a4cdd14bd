// @ts-check
// The notification centre's state, pure: the last list the server gave (kept in IndexedDB, meta
// "notifications", so that it reads offline), the unread count, and reads made here not yet told
// to the server (offline, or the request failed): they stay applied over every refreshed list
// until `POST /api/v1/me/notifications/read` has taken them.

/**
 * @typedef {{id: number, kind: string, title: string, body: string, target?: string, createdAt: string, readAt?: string}} Notification
 * @typedef {{all: boolean, ids: number[]}} PendingReads
 * @typedef {{unread: number, notifications: Notification[], fetchedAt: number, pending: PendingReads}} NotificationState
 */

/** @returns {NotificationState} */
export const emptyNotifications = () => ({ unread: 0, notifications: [], fetchedAt: 0, pending: { all: false, ids: [] } });

/** @param {NotificationState} state @param {PendingReads} pending @param {string} at */
function applyReads(state, pending, at) {
  const ids = new Set(pending.ids);
  let newlyRead = 0;
  const notifications = state.notifications.map((notification) => {
    if (notification.readAt || !(pending.all || ids.has(notification.id))) return notification;
    newlyRead += 1;
    return { ...notification, readAt: at };
  });
  return { notifications, unread: pending.all ? 0 : Math.max(0, state.unread - newlyRead) };
}

/**
 * The state once `which` (some ids, or all) is read here; remembered as pending until sent.
 * @param {NotificationState} state @param {{ids?: number[], all?: boolean}} which @param {string} at ISO date
 * @returns {NotificationState}
 */
export function markRead(state, which, at) {
  const pending = which.all ? { all: true, ids: [] } : { all: state.pending.all, ids: [...new Set([...state.pending.ids, ...(which.ids ?? [])])] };
  const applied = applyReads(state, which.all ? { all: true, ids: [] } : { all: false, ids: which.ids ?? [] }, at);
  return { ...state, ...applied, pending };
}

/**
 * A list fresh from the server, with the reads still pending applied over it.
 * @param {NotificationState} state @param {{unread: number, notifications: Notification[]}} answer @param {number} now @param {string} at
 * @returns {NotificationState}
 */
export function withServerList(state, answer, now, at) {
  const fresh = { ...state, unread: answer.unread, notifications: answer.notifications, fetchedAt: now };
  if (!state.pending.all && state.pending.ids.length === 0) return fresh;
  return { ...fresh, ...applyReads(fresh, state.pending, at) };
}

/** The request body for what is pending, or null. @param {NotificationState} state */
export function pendingRequest(state) {
  if (state.pending.all) return { all: true };
  if (state.pending.ids.length) return { ids: state.pending.ids.slice(0, 1000) };
  return null;
}

/** The state once the server has taken `sent` (reads made meanwhile stay pending). @param {NotificationState} state @param {{ids?: number[], all?: boolean}} sent */
export function pendingSent(state, sent) {
  if (sent.all) return { ...state, pending: { all: false, ids: state.pending.all ? [] : state.pending.ids } };
  const done = new Set(sent.ids ?? []);
  return { ...state, pending: { all: state.pending.all, ids: state.pending.ids.filter((id) => !done.has(id)) } };
}

/**
 * Where a notification leads in the app: `conversation:<id>` → its conversation page; a path of
 * this site → itself; anything else → nowhere (never another origin).
 * @param {string | undefined} target @returns {string | null}
 */
export function targetHref(target) {
  if (!target) return null;
  const conversation = /^conversation:([0-9]{1,15})$/.exec(target);
  if (conversation) return `/app/conversation.html?conversation=${conversation[1]}`;
  const dossier = /^dossier:([0-9]{1,15})$/.exec(target);
  if (dossier) return `/app/index.html#dossier-${dossier[1]}`;
  if (/^\/(?![/\\])[^\s]*$/.test(target)) return target;
  return null;
}
