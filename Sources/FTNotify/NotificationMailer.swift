public import FTModel
public import FTSite
public import FTStore
public import Foundation
public import Logging

/// What the e-mails say about where they come from and lead to.
public struct MailConfiguration: Sendable {
    public var from: MailAddress
    /// The public address of the site and app, without a trailing slash: every link starts with it.
    public var baseURL: String
    public var policy: NotificationPolicy
    /// How often due e-mails are looked for.
    public var interval: Duration
    /// The restricted admin folder, where a report's e-mail finds the files it attaches (nil:
    /// reports' e-mails carry their link only).
    public var adminDirectory: String?

    public init(from: MailAddress, baseURL: String, policy: NotificationPolicy = NotificationPolicy(), interval: Duration = .seconds(5), adminDirectory: String? = nil) {
        self.from = from
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.policy = policy
        self.interval = interval
        self.adminDirectory = adminDirectory
    }

    /// The part of Message-IDs after the `@`: the sender's domain.
    var domain: String { from.address.split(separator: "@").last.map(String.init) ?? "financialtracker.invalid" }
}

/// The e-mail worker of `ft serve`: every `interval`, fans the new notifications out into
/// deliveries (`AppDatabase.fanOutNotifications`), then sends the e-mails due through its
/// transport. A failure is retried with backoff and jitter, then becomes a dead letter.
///
/// Guarantee: at least once. An e-mail's id and content are fixed before its first try; it is
/// marked sent after its transport took it; a crash in between sends it again, identical, with
/// the same Message-ID (and, to `.eml` files, as the same file).
public final class NotificationMailer: Sendable {
    let database: AppDatabase
    let templates: MailTemplates
    let transport: any MailTransport
    let configuration: MailConfiguration
    let tokens: LinkTokens
    /// The outside channels the server delivers on, fanned out together (see `NotificationPusher`).
    let channels: Set<NotificationChannel>
    let logger: Logger
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double
    let store = StoreQueue(label: "financialtracker.mail")
    private let wakeup = Wakeup()

    public init(
        database: AppDatabase, templates: MailTemplates, transport: any MailTransport, configuration: MailConfiguration, tokens: LinkTokens,
        channels: Set<NotificationChannel> = [.email], logger: Logger, now: @escaping @Sendable () -> Date = Date.init, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.database = database
        self.templates = templates
        self.transport = transport
        self.configuration = configuration
        self.tokens = tokens
        self.channels = channels.union([.email])
        self.logger = logger
        self.now = now
        self.jitter = jitter
    }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        /// The round took as many e-mails as it takes at once: more may be due, the next starts at once.
        public var full = false
    }

    /// The most e-mails one round sends.
    static let batch = 200

    /// Rounds until cancelled (the notifications' e-mails, the saved searches', the accounts'): every
    /// `interval`, and at once after a `wake()`.
    public func run() async {
        while !Task.isCancelled {
            let notifications = await deliverDue()
            let searches = await deliverSearchAlerts()
            let accounts = await deliverAccountMails()
            if notifications.full || searches.full || accounts.full { continue }
            await wakeup.sleep(upTo: configuration.interval)
        }
    }

    /// Something was committed that may have written notifications (a synced message, an
    /// announcement): the next round starts now rather than at the end of the interval.
    public func wake() {
        wakeup.wake()
    }

    /// One round: fan out, then send what is due.
    public func deliverDue() async -> Round {
        var round = Round()
        let mails: [PendingMail]
        do {
            mails = try await store.run { [self] in
                try database.fanOutAllNotifications(policy: configuration.policy, channels: channels)
                return try database.mailsToSend(now: now(), policy: configuration.policy, domain: configuration.domain, limit: Self.batch)
            }
        } catch {
            logger.error("notifications: the outbox could not be read: \(error)")
            return round
        }
        guard !mails.isEmpty else { return round }
        let composed = mails.map(compose)
        // Every unsubscribe link is stored before its e-mail leaves: the round's in one transaction.
        let tokens = zip(mails, composed).compactMap { mail, composed in
            composed.1.map { UnsubscribeToken(hash: LinkTokens.hash($0.token), userId: mail.userId, kind: $0.kind, channel: .email) }
        }
        do {
            try await store.run { [self] in try database.recordUnsubscribeTokens(tokens, at: now()) }
        } catch {
            // Nothing left: the round's e-mails are due again next round.
            logger.error("notifications: the unsubscribe links could not be stored: \(error)")
            return round
        }
        round.full = mails.count == Self.batch
        let outcomes = await transport.send(composed.map(\.0))
        var sent: [String] = []
        for (mail, outcome) in zip(mails, outcomes) {
            guard let error = outcome else {
                sent.append(mail.mailId)
                continue
            }
            round.failed += 1
            let retry = configuration.policy.retry.nextAttempt(after: mail.attempts + 1, at: now(), jitter: jitter())
            logger.warning("e-mail not sent\(retry == nil ? ": given up (dead letter)" : ", retried later")", metadata: [
                "mail": "\(mail.mailId)", "attempt": "\(mail.attempts + 1)", "error": "\(error)",
            ])
            try? await store.run { [self] in try database.markMailFailed(mail.mailId, error: "\(error)", retryAt: retry) }
        }
        do {
            try await store.run { [self, sent] in try database.markMailsSent(sent, at: now()) }
            round.sent = sent.count
        } catch {
            // Sent but not marked: sent again next round, with the same Message-IDs.
            logger.error("\(sent.count) e-mails sent but not marked sent: \(error)")
        }
        return round
    }
}
