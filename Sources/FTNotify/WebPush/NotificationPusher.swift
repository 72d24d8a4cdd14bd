internal import Dispatch
public import FTModel
public import FTStore
public import Foundation
public import Logging

/// How `ft serve` sends push notifications.
public struct PushConfiguration: Sendable {
    public var vapid: VAPID
    public var endpoints: PushEndpointGuard
    public var policy: NotificationPolicy
    /// How often due pushes are looked for.
    public var interval: Duration
    /// Seconds a push service keeps a message for a browser that is offline.
    public var timeToLive: Int
    /// Pushes sent at once.
    public var concurrency: Int

    public init(vapid: VAPID, endpoints: PushEndpointGuard = PushEndpointGuard(), policy: NotificationPolicy = NotificationPolicy(), interval: Duration = .seconds(2), timeToLive: Int = 2 * 86_400, concurrency: Int = 32) {
        self.vapid = vapid
        self.endpoints = endpoints
        self.policy = policy
        self.interval = interval
        self.timeToLive = timeToLive
        self.concurrency = concurrency
    }
}

/// The push worker of `ft serve`: every `interval`, fans the new notifications out (with the other
/// outside `channels` the server delivers on), then sends each push delivery due to every browser
/// its recipient subscribed, encrypted for that browser (RFC 8291) and signed (VAPID, RFC 8292).
/// A subscription the push service says is gone is removed; a failure that may pass is retried with
/// backoff and jitter, then becomes a dead letter; a refusal is one at once.
///
/// Guarantee: at least once. A crash between the push service's answer and the record sends the
/// push again, with the same `Topic` (an undelivered copy is replaced at the push service) and the
/// same notification tag (the browser replaces the one it shows).
public final class NotificationPusher: Sendable {
    let database: AppDatabase
    let transport: any PushTransport
    let configuration: PushConfiguration
    let channels: Set<NotificationChannel>
    let logger: Logger
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double
    /// The store's calls block: they run here, not on Swift's two-thread pool.
    private let queue = DispatchQueue(label: "financialtracker.push", qos: .utility)

    public init(
        database: AppDatabase, transport: any PushTransport, configuration: PushConfiguration, channels: Set<NotificationChannel> = [.push],
        logger: Logger, now: @escaping @Sendable () -> Date = Date.init, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.database = database
        self.transport = transport
        self.configuration = configuration
        self.channels = channels.union([.push])
        self.logger = logger
        self.now = now
        self.jitter = jitter
    }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        /// Subscriptions removed: their push service said gone, or their endpoint is no longer allowed.
        public var removed = 0
    }

    /// Closes the push service connections, once `run` has ended.
    public func shutdown() async {
        await transport.shutdown()
    }

    /// Rounds until cancelled.
    public func run() async {
        while !Task.isCancelled {
            _ = await deliverDue()
            try? await Task.sleep(for: configuration.interval)
        }
    }

    /// One round: fan out, then send what is due, `concurrency` deliveries at a time.
    public func deliverDue() async -> Round {
        let pushes: [PendingPush]
        do {
            pushes = try await blocking { [self] in
                try database.fanOutNotifications(policy: configuration.policy, channels: channels)
                return try database.pushesToSend(now: now())
            }
        } catch {
            logger.error("notifications: the outbox could not be read: \(error)")
            return Round()
        }
        var round = Round()
        await withTaskGroup(of: Round.self) { group in
            var started = 0
            for push in pushes {
                if started >= configuration.concurrency, let done = await group.next() { round.add(done) }
                group.addTask { await self.deliver(push) }
                started += 1
            }
            for await done in group { round.add(done) }
        }
        return round
    }

    /// One notification to each of its recipient's browsers, then recorded.
    func deliver(_ push: PendingPush) async -> Round {
        var round = Round()
        let payload = Self.payload(push)
        var delivered: [Int64] = []
        var failure: (error: String, retry: Bool)?
        for subscription in push.subscriptions {
            let outcome: PushOutcome
            do {
                let endpoint = try await configuration.endpoints.check(subscription.endpoint)
                let body = try WebPushEncryption.encrypt(payload, p256dh: subscription.p256dh, auth: subscription.auth)
                outcome = await transport.send(PushRequest(
                    endpoint: endpoint, body: body, authorization: try configuration.vapid.authorization(endpoint: endpoint, now: now()),
                    timeToLive: configuration.timeToLive, urgency: Self.urgency(push.kind), topic: "n\(push.notificationId)"
                ))
            } catch let refused as PushSubscriptionError {
                logger.warning("push subscription removed: \(refused.message)", metadata: ["subscription": "\(subscription.id)"])
                outcome = .gone
            } catch {
                outcome = .failed("\(error)", retry: false)
            }
            switch outcome {
            case .delivered:
                delivered.append(subscription.id)
            case .gone:
                try? await blocking { [self] in try database.removePushSubscription(id: subscription.id) }
                round.removed += 1
            case .failed(let error, let retry):
                // One that may pass wins: the whole delivery is tried again.
                if failure == nil || retry { failure = (error, retry) }
            }
        }
        do {
            if let failure {
                round.failed += 1
                let retryAt = failure.retry ? configuration.policy.retry.nextAttempt(after: push.attempts + 1, at: now(), jitter: jitter()) : nil
                logger.warning("push not sent\(retryAt == nil ? ": given up (dead letter)" : ", retried later")", metadata: [
                    "delivery": "\(push.deliveryId)", "attempt": "\(push.attempts + 1)", "error": "\(failure.error)",
                ])
                try await blocking { [self] in try database.markPushFailed(deliveryId: push.deliveryId, error: failure.error, retryAt: retryAt) }
            } else {
                try await blocking { [self, delivered] in try database.markPushSent(deliveryId: push.deliveryId, subscriptions: delivered, at: now()) }
                round.sent += delivered.isEmpty ? 0 : 1
            }
        } catch {
            // Sent but not recorded: sent again next round, with the same topic and tag.
            logger.error("push delivery not recorded: \(error)", metadata: ["delivery": "\(push.deliveryId)"])
        }
        return round
    }

    /// What the service worker shows (`sync/push.js` reads it): title, text, the app page it opens,
    /// a tag (a conversation's notifications replace each other), the kind and the id.
    static func payload(_ push: PendingPush) -> Data {
        let object: [String: Any] = [
            "id": push.notificationId,
            "kind": push.kind.rawValue,
            "title": String(push.title.prefix(120)),
            "body": String(push.body.prefix(400)),
            "url": NotificationTarget.appPath(push.target) ?? "/app/index.html",
            "tag": push.target ?? "notification-\(push.notificationId)",
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func urgency(_ kind: NotificationKind) -> String {
        switch kind {
        case .system, .stepOverdue: "high"
        case .message, .assignment, .stepDue, .document: "normal"
        case .rating, .expertApproved, .newExpert: "low"
        }
    }

    private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

extension NotificationPusher.Round {
    mutating func add(_ other: Self) {
        sent += other.sent
        failed += other.failed
        removed += other.removed
    }
}
