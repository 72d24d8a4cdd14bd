internal import Foundation
internal import HTTPTypes
internal import Synchronization

/// Counts attempts per key (an account's e-mail, a client address) over a sliding window, in
/// memory: past `limit` within `window`, the key is refused until its oldest attempt leaves the
/// window, so the limit lifts by itself. A restart forgets the counts (the window is a minute).
/// Keys are kept only while they have attempts in the window; past `maximumKeys` the oldest
/// window is swept, so a flood of fresh keys cannot grow memory without bound.
final class AttemptLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let attempts = Mutex<[String: [Date]]>([:])
    static let maximumKeys = 100_000

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Whether `key` is over its limit at `now` (a refused attempt is not counted).
    func isLimited(_ key: String, now: Date) -> Bool {
        attempts.withLock { attempts in
            let recent = (attempts[key] ?? []).filter { $0 > now.addingTimeInterval(-window) }
            attempts[key] = recent.isEmpty ? nil : recent
            return recent.count >= limit
        }
    }

    /// Seconds until `key` may try again (at least 1).
    func retryAfter(_ key: String, now: Date) -> Int {
        attempts.withLock { attempts in
            guard let oldest = attempts[key]?.first else { return 1 }
            return max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
        }
    }

    func record(_ key: String, now: Date) {
        attempts.withLock { attempts in
            if attempts.count >= Self.maximumKeys {
                let horizon = now.addingTimeInterval(-window)
                attempts = attempts.filter { $0.value.last.map { $0 > horizon } ?? false }
            }
            attempts[key, default: []].append(now)
        }
    }

    func reset(_ key: String) {
        _ = attempts.withLock { $0.removeValue(forKey: key) }
    }
}

/// The limits of the account endpoints, shared by the sign-in and the account controllers.
struct AccountLimits: Sendable {
    /// Wrong passwords per account (its e-mail, lowercased) per minute: the 11th is refused unchecked.
    let passwordsPerAccount = AttemptLimiter(limit: 10, window: 60)
    /// Wrong passwords per client address per minute, whatever the accounts.
    let passwordsPerAddress = AttemptLimiter(limit: 30, window: 60)
    /// Sign-ups and reset requests per client address per minute (each sends an e-mail).
    let mailsPerAddress = AttemptLimiter(limit: 10, window: 60)
    /// Sign-ups and reset requests per e-mail address per quarter of an hour.
    let mailsPerEmail = AttemptLimiter(limit: 3, window: 900)
    /// Markdown previews per client address per minute (the application form asks as one types).
    let previewsPerAddress = AttemptLimiter(limit: 120, window: 60)

    /// A 429 when the account (its e-mail) has had ten wrong passwords within the minute: a
    /// password change or an account deletion is then refused unchecked, as a sign-in is.
    func refuseIfPasswordsLimited(email: String, now: Date) throws {
        let account = email.lowercased()
        if passwordsPerAccount.isLimited(account, now: now) {
            let wait = passwordsPerAccount.retryAfter(account, now: now)
            throw APIError(.tooManyRequests, "too_many_attempts", "Trop de tentatives : réessayez dans \(wait) s.", retryAfter: wait)
        }
    }

    /// Counts an e-mail asked for (a sign-up, an application, a reset) from `address` to `email`;
    /// a 429 when either has asked too many lately.
    func limitMails(email: String, address: String, now: Date) throws {
        for (limiter, key) in [(mailsPerAddress, address), (mailsPerEmail, email.lowercased())] {
            if limiter.isLimited(key, now: now) {
                let wait = limiter.retryAfter(key, now: now)
                throw APIError(.tooManyRequests, "too_many_requests", "Trop de demandes : réessayez dans \(wait) s.", retryAfter: wait)
            }
        }
        mailsPerAddress.record(address, now: now)
        mailsPerEmail.record(email.lowercased(), now: now)
    }
}
