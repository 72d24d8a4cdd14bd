internal import Foundation
public import FTModel
internal import Synchronization

/// Sessions found valid in the last second, so that a burst of requests with one token reads the
/// database once (the lookup was a third of a one-operation push's cost on the server).
/// Sign-out and deactivation through `AppDatabase` forget at once; a change made to the file by
/// another process is seen within `freshness`. An entry never outlives its session's expiry.
final class SessionCache: Sendable {
    struct Entry {
        var user: User
        var expiresAt: Date
        var checkedAt: Date
    }

    static let freshness: TimeInterval = 1
    static let capacity = 10_000
    private let entries = Mutex<[String: Entry]>([:])

    func user(token: String, now: Date) -> User? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard now < entry.expiresAt, now >= entry.checkedAt, now.timeIntervalSince(entry.checkedAt) < Self.freshness else {
                entries[token] = nil
                return nil
            }
            return entry.user
        }
    }

    func remember(token: String, user: User, expiresAt: Date, now: Date) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = Entry(user: user, expiresAt: expiresAt, checkedAt: now)
        }
    }

    func forget(token: String) {
        _ = entries.withLock { $0.removeValue(forKey: token) }
    }

    func forgetAll() {
        entries.withLock { $0.removeAll() }
    }
}
