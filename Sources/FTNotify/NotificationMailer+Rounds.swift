internal import FTModel
internal import Foundation
internal import Logging

extension NotificationMailer {
    /// Sends the e-mails of a round of one outbox together (a few SMTP sessions), then records
    /// each failure — tried again later with backoff, or given up after the policy's last try —
    /// and the e-mails sent, in one transaction. Sent but not recorded (a crash, the database
    /// refusing): sent again next round, with the same Message-IDs. `label` names the outbox in
    /// the log.
    func sendRound<Mail: Sendable>(
        _ mails: [Mail], label: String, compose: (Mail) -> MailMessage, attempts: (Mail) -> Int,
        failed: @escaping @Sendable (Mail, _ error: String, _ retryAt: Date?) throws -> Void,
        sent: @escaping @Sendable ([Mail]) throws -> Void
    ) async -> Round {
        var round = Round()
        guard !mails.isEmpty else { return round }
        round.full = mails.count == Self.batch
        let messages = mails.map(compose)
        let outcomes = await transport.send(messages)
        var delivered: [Mail] = []
        for ((mail, message), outcome) in zip(zip(mails, messages), outcomes) {
            guard let error = outcome else {
                delivered.append(mail)
                continue
            }
            round.failed += 1
            let retry = configuration.policy.retry.nextAttempt(after: attempts(mail) + 1, at: now(), jitter: jitter())
            logger.warning("\(label) e-mail not sent\(retry == nil ? ": given up" : ", retried later")", metadata: [
                "mail": "\(message.messageId)", "attempt": "\(attempts(mail) + 1)", "error": "\(error)",
            ])
            _ = try? await store.run { try failed(mail, "\(error)", retry) }
        }
        do {
            try await store.run { [delivered] in try sent(delivered) }
            round.sent = delivered.count
        } catch {
            logger.error("\(delivered.count) \(label) e-mails sent but not marked sent: \(error)")
        }
        return round
    }
}
