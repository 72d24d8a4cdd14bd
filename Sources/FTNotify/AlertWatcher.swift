public import FTModel
public import FTStore
public import Foundation
public import Logging
internal import Synchronization

/// Evaluates the alert rules inside `ft serve` (`AppDatabase.evaluateAlerts`): once a minute by
/// default, off Swift's thread pool. The notifications it writes leave through the same
/// pipeline as every other (preferences, quiet hours, digests, e-mail and push workers).
public final class AlertWatcher: Sendable {
    private let database: AppDatabase
    private let interval: Duration
    private let workingHours: WorkingHours
    /// How the server has been answering, for the performance rules (nil: they are left alone).
    private let health: @Sendable () -> ServiceHealth?
    private let now: @Sendable () -> Date
    /// Told the newest sequence number after steps were marked overdue (sync changes the
    /// connected devices must hear of).
    private let onSynced: @Sendable (Int64) -> Void
    private let logger: Logger
    private let store = StoreQueue(label: "ft.alerts")
    private let woken = Mutex(false)
    /// Set when the server stops: an evaluation under way ends after its current transaction.
    private let stopping = Mutex(false)

    public init(
        database: AppDatabase, interval: Duration = .seconds(60), workingHours: WorkingHours = WorkingHours(),
        health: @escaping @Sendable () -> ServiceHealth? = { nil }, now: @escaping @Sendable () -> Date = Date.init,
        onSynced: @escaping @Sendable (Int64) -> Void = { _ in }, logger: Logger
    ) {
        self.database = database
        self.health = health
        self.interval = interval
        self.workingHours = workingHours
        self.now = now
        self.onSynced = onSynced
        self.logger = logger
    }

    /// A change was committed that may open or resolve an alert (a message, a step, a
    /// document): the rules are looked at again within seconds rather than at the next minute.
    public func wake() {
        woken.withLock { $0 = true }
    }

    /// Evaluates at once, then every `interval`, and within `Self.wakeGap` of a `wake()` (at most
    /// once per `wakeGap`: a stream of commits costs one evaluation every few seconds). A woken
    /// evaluation also waits `wakeSpacing` times as long as the last one took: on a large
    /// database one takes seconds of both cores and the writer, and under a stream of pushes,
    /// one every 5 s cut batch pushes from 47,000 to 5,400 operations a second and put the
    /// one-operation push p99 at 124 ms (against 19 without the rounds).
    public func run() async {
        let clock = ContinuousClock()
        var last: ContinuousClock.Instant?
        var took: Duration = .zero
        while !Task.isCancelled {
            let now = clock.now
            let since = last.map { now - $0 }
            let gap = min(max(min(Self.wakeGap, interval), took * Self.wakeSpacing), interval)
            let due = since.map { $0 >= interval || ($0 >= gap && woken.withLock { $0 }) } ?? true
            if due {
                woken.withLock { $0 = false }
                let started = clock.now
                await withTaskCancellationHandler {
                    await evaluate()
                } onCancel: {
                    stopping.withLock { $0 = true }
                }
                last = clock.now
                took = clock.now - started
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// The shortest time between two evaluations that commits asked for.
    static let wakeGap: Duration = .seconds(5)
    /// Between two woken evaluations, at least this many times the last one's length: the rounds
    /// take at most a tenth of the time while commits keep coming.
    static let wakeSpacing = 9

    /// One evaluation, after marking the steps past their due date overdue; failures are logged,
    /// and the next one tries again.
    @discardableResult
    public func evaluate() async -> AlertRound? {
        do {
            let clock = ContinuousClock()
            let (marked, round, parts) = try await store.run { [self] in
                let date = now()
                var parts: [Duration] = []
                var start = clock.now
                func lap() {
                    parts.append(clock.now - start)
                    start = clock.now
                }
                // Offers left unanswered past their scheme's delay move on to the next expert
                // (each new offer a grant in the log, for the live channel to announce).
                let moved = try database.expireOffers(now: date)
                lap()
                let marked = try database.markOverdueSteps(now: date)
                lap()
                var latest = marked
                if moved > 0 { latest = try database.latestSequence() }
                let round = try database.evaluateAlerts(now: date, workingHours: workingHours, health: health(), shouldStop: { stopping.withLock { $0 } })
                lap()
                return (latest, round, parts)
            }
            if let marked { onSynced(marked) }
            // How long each part took, to find what a slow round spends its time on.
            let took = parts.map { String(format: "%.3f", Double($0.components.attoseconds) / 1e18 + Double($0.components.seconds)) }
            let slow = parts.reduce(.zero, +) >= .seconds(1)
            if round.opened + round.reminded + round.resolved > 0 || slow {
                logger.log(level: slow ? .notice : .info, "alerts evaluated", metadata: [
                    "opened": "\(round.opened)", "reminded": "\(round.reminded)", "resolved": "\(round.resolved)", "notifications": "\(round.notifications)",
                    "seconds": "offers \(took[0]), overdue steps \(took[1]), rules \(took[2])",
                    "slowest rules": "\(round.ruleSeconds.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: ", "))",
                ])
            }
            return round
        } catch {
            logger.error("alerts: the rules could not be evaluated: \(error)")
            return nil
        }
    }
}
