public import FTModel
public import FTStore
public import Foundation
public import Logging

/// Evaluates the alert rules inside `ft serve` (`AppDatabase.evaluateAlerts`): once a minute by
/// default, off Swift's thread pool. The notifications it writes leave through the same
/// pipeline as every other (preferences, quiet hours, digests, e-mail and push workers).
public final class AlertWatcher: Sendable {
    private let database: AppDatabase
    private let interval: Duration
    private let workingHours: WorkingHours
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let store = StoreQueue(label: "ft.alerts")

    public init(database: AppDatabase, interval: Duration = .seconds(60), workingHours: WorkingHours = WorkingHours(), now: @escaping @Sendable () -> Date = Date.init, logger: Logger) {
        self.database = database
        self.interval = interval
        self.workingHours = workingHours
        self.now = now
        self.logger = logger
    }

    public func run() async {
        while !Task.isCancelled {
            await evaluate()
            try? await Task.sleep(for: interval)
        }
    }

    /// One evaluation; failures are logged, and the next one tries again.
    @discardableResult
    public func evaluate() async -> AlertRound? {
        do {
            let round = try await store.run { [self] in try database.evaluateAlerts(now: now(), workingHours: workingHours) }
            if round.opened + round.reminded + round.resolved > 0 {
                logger.info("alerts evaluated", metadata: [
                    "opened": "\(round.opened)", "reminded": "\(round.reminded)", "resolved": "\(round.resolved)", "notifications": "\(round.notifications)",
                ])
            }
            return round
        } catch {
            logger.error("alerts: the rules could not be evaluated: \(error)")
            return nil
        }
    }
}
