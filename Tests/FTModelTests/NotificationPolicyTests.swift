import Foundation
import Testing
@testable import FTModel

@Suite struct NotificationPolicyTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// A moment in Paris local time.
    static func paris(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = paris
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    @Test func quietHoursHoldUntilEightInParisSummerAndWinter() {
        let quiet = QuietHours()
        #expect(!quiet.contains(Self.paris("2026-12-07 20:59")))
        #expect(quiet.contains(Self.paris("2026-12-07 21:00")))
        #expect(quiet.contains(Self.paris("2026-12-08 07:59")))
        #expect(quiet.nextAllowed(Self.paris("2026-12-07 22:30")) == Self.paris("2026-12-08 08:00"))
        #expect(quiet.nextAllowed(Self.paris("2026-12-08 03:10")) == Self.paris("2026-12-08 08:00"))
        #expect(quiet.nextAllowed(Self.paris("2026-12-08 09:10")) == Self.paris("2026-12-08 09:10"))
        // Summer time: 08:00 in Paris is 06:00 UTC.
        let july = quiet.nextAllowed(Self.paris("2026-07-14 23:00"))
        #expect(july == Date(timeIntervalSince1970: 1_784_095_200)) // 2026-07-15T06:00:00Z
        // The night summer time starts (29 March 2026): still 08:00 local.
        #expect(quiet.nextAllowed(Self.paris("2026-03-28 23:30")) == Self.paris("2026-03-29 08:00"))
    }

    @Test func preferencesDecideAndCriticalKindsBypassThem() {
        let policy = NotificationPolicy()
        let noon = Self.paris("2026-12-07 12:00")
        let off = policy.deliveries(kind: .message, createdAt: noon, target: "conversation:3", role: .client, preferences: [.email: false, .push: false])
        #expect(off.isEmpty)
        let defaults = policy.deliveries(kind: .message, createdAt: noon, target: "conversation:3", role: .client, preferences: [:])
        #expect(defaults.map(\.channel) == [.email, .push])
        // A message's e-mail waits for the digest window and names its conversation.
        #expect(defaults[0].notBefore == noon.addingTimeInterval(policy.digestWindow) && defaults[0].digestKey == "conversation:3")
        #expect(defaults[1].notBefore == noon && defaults[1].digestKey == nil)
        // Ratings: not e-mailed to experts by default, but pushed.
        #expect(policy.deliveries(kind: .rating, createdAt: noon, target: nil, role: .expert, preferences: [:]).map(\.channel) == [.push])
        // A system (security) message goes out whatever the preferences, even at night.
        let night = Self.paris("2026-12-07 23:00")
        let critical = policy.deliveries(kind: .system, createdAt: night, target: nil, role: .client, preferences: [.email: false, .push: false])
        #expect(critical.map(\.channel) == [.email, .push] && critical.allSatisfy { $0.notBefore == night })
        // Anything else made at night waits for the morning.
        let held = policy.deliveries(kind: .stepDue, createdAt: night, target: nil, role: .expert, preferences: [:])
        #expect(held.allSatisfy { $0.notBefore == Self.paris("2026-12-08 08:00") })
    }

    @Test func retriesBackOffWithJitterThenStop() {
        let retry = RetryPolicy(maximumAttempts: 4, firstDelay: 10, longestDelay: 25)
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(retry.nextAttempt(after: 1, at: now, jitter: 0.5) == now.addingTimeInterval(10))
        #expect(retry.nextAttempt(after: 2, at: now, jitter: 0.5) == now.addingTimeInterval(20))
        #expect(retry.nextAttempt(after: 3, at: now, jitter: 0.5) == now.addingTimeInterval(25))
        #expect(retry.nextAttempt(after: 1, at: now, jitter: 0) == now.addingTimeInterval(5))
        #expect(retry.nextAttempt(after: 1, at: now, jitter: 0.999)! < now.addingTimeInterval(15))
        #expect(retry.nextAttempt(after: 4, at: now, jitter: 0.5) == nil)
    }
}
