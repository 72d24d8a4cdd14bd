internal import Synchronization
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
    private let store = StoreQueue(label: "financialtracker.push")
    private let wakeup = Wakeup()
    /// Where each push is encrypted: behind the request threads (`BackgroundLoop`).
    private let loop = BackgroundLoop()
    /// VAPID headers per push service origin, with when to sign again.
    private let tokens = Mutex<[String: (header: String, until: Date)]>([:])

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
        /// The round took as much as it takes at once: more may be due, the next starts at once.
        public var full = false
    }

    /// The most pushes one round takes, and the most notifications one fan-out takes.
    static let batch = 500
    static let fanOutBatch = 500

    /// Closes the push service connections, once `run` has ended.
    public func shutdown() async {
        await transport.shutdown()
        await loop.shutdown()
    }

    /// Rounds until cancelled: every `interval`, and at once after a `wake()`.
    public func run() async {
        while !Task.isCancelled {
            if await deliverDue().full { continue }
            await wakeup.sleep(upTo: configuration.interval)
        }
    }

    /// Something was committed that may have written notifications (a synced message, an
    /// announcement): the next round starts now rather than at the end of the interval.
    public func wake() {
        wakeup.wake()
    }

    /// One round: fan out (all that is new, a batch at a time), then send what is due,
    /// `concurrency` deliveries at a time, and record how each went.
    public func deliverDue() async -> Round {
        let pushes: [PendingPush]
        do {
            pushes = try await store.run { [self] in
                // An event to many recipients is queued at once, before any is sent, in short
                // transactions that sync pushes take turns with.
                try database.fanOutAllNotifications(policy: configuration.policy, channels: channels, batch: Self.fanOutBatch)
                return try database.pushesToSend(now: now(), limit: Self.batch)
            }
        } catch {
            logger.error("notifications: the outbox could not be read: \(error)")
            return Round()
        }
        var round = Round()
        round.full = pushes.count == Self.batch
        let endpoints = await configuration.endpoints.check(pushes.flatMap { $0.subscriptions.map(\.endpoint) })
        var results: [WebPushResult] = []
        var removed: [Int64] = []
        await withTaskGroup(of: (WebPushResult, [Int64]).self) { group in
            var started = 0
            for push in pushes {
                if started >= configuration.concurrency, let done = await group.next() {
                    results.append(done.0)
                    removed += done.1
                }
                group.addTask { await self.deliver(push, endpoints: endpoints) }
                started += 1
            }
            for await done in group {
                results.append(done.0)
                removed += done.1
            }
        }
        for result in results {
            switch result.outcome {
            case .sent(let subscriptions): round.sent += subscriptions.isEmpty ? 0 : 1
            case .failed: round.failed += 1
            }
        }
        round.removed = removed.count
        do {
            try await store.run { [self, results, removed] in try database.recordPushes(results, removedSubscriptions: removed, at: now()) }
        } catch {
            // Sent but not recorded: sent again next round, with the same topic and tag.
            logger.error("push deliveries not recorded: \(error)", metadata: ["deliveries": "\(results.count)"])
        }
        return round
    }

    /// One notification to each of its recipient's browsers (`endpoints`: the round's checked
    /// endpoints): how it went, and the subscriptions to remove.
    func deliver(_ push: PendingPush, endpoints: [String: Result<URL, PushSubscriptionError>]) async -> (WebPushResult, [Int64]) {
        let payload = Self.payload(push)
        var delivered: [Int64] = []
        var removed: [Int64] = []
        var failure: (error: String, retry: Bool)?
        for subscription in push.subscriptions {
            let outcome: PushOutcome
            do {
                guard let checked = endpoints[subscription.endpoint] else { throw PushEndpointGuard.refused("not checked") }
                let endpoint = try checked.get()
                let body = try await loop.run { try WebPushEncryption.encrypt(payload, p256dh: subscription.p256dh, auth: subscription.auth) }
                outcome = await transport.send(PushRequest(
                    endpoint: endpoint, body: body, authorization: try authorization(for: endpoint),
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
                removed.append(subscription.id)
            case .failed(let error, let retry):
                // One that may pass wins: the whole delivery is tried again.
                if failure == nil || retry { failure = (error, retry) }
            }
        }
        guard let failure else { return (WebPushResult(deliveryId: push.deliveryId, outcome: .sent(subscriptions: delivered)), removed) }
        let retryAt = failure.retry ? configuration.policy.retry.nextAttempt(after: push.attempts + 1, at: now(), jitter: jitter()) : nil
        logger.warning("push not sent\(retryAt == nil ? ": given up (dead letter)" : ", retried later")", metadata: [
            "delivery": "\(push.deliveryId)", "attempt": "\(push.attempts + 1)", "error": "\(failure.error)",
        ])
        return (WebPushResult(deliveryId: push.deliveryId, outcome: .failed(error: failure.error, retryAt: retryAt)), removed)
    }

    /// The VAPID header for an endpoint's push service, signed once per origin and reused for an
    /// hour (the token is valid 12).
    private func authorization(for endpoint: URL) throws -> String {
        let origin = "\(endpoint.scheme ?? "")://\(endpoint.host ?? ""):\(endpoint.port ?? 0)"
        let now = now()
        if let cached = tokens.withLock({ $0[origin] }), cached.until > now { return cached.header }
        let header = try configuration.vapid.authorization(endpoint: endpoint, now: now)
        tokens.withLock { $0[origin] = (header, now.addingTimeInterval(3_600)) }
        return header
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
        case .message, .assignment, .stepDue, .stepChanged, .document: "normal"
        case .rating, .expertApproved, .newExpert, .reportDaily, .reportWeekly, .reportMonthly, .announcement: "low"
        }
    }
}
