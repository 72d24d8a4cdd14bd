internal import Dispatch
internal import Foundation
internal import FTStore
internal import Synchronization

/// Group commit for pushes: pushes that arrive while a transaction is being written wait and
/// are then written together, in one transaction, on a thread of their own (SQLite writes block;
/// the request threads stay free). Each push is still answered only after the commit that holds
/// it, and exactly as it would be alone. If a group fails as a whole, its pushes are retried one
/// by one, so one bad push never fails another.
///
/// Large pushes (a device back from days offline, or someone flooding the server) are written on
/// their own, one per transaction, taking turns with the small ones: a phone's one-message push
/// waits for at most one large transaction, never for a queue of them, and is never written in
/// the same transaction as one.
final class PushQueue: Sendable {
    private struct Waiting {
        var batch: PushBatch
        var continuation: CheckedContinuation<[PushResult], any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var draining = false
        /// The last transaction held small pushes: a large one waiting goes next.
        var largeTurn = false

        /// The next transaction's pushes, taken out of `waiting`.
        mutating func nextGroup(maximumOperations: Int) -> [Waiting] {
            let large = waiting.firstIndex { $0.batch.operations.count > PushQueue.largeBatch }
            let anySmall = waiting.contains { $0.batch.operations.count <= PushQueue.largeBatch }
            if let large, largeTurn || !anySmall {
                largeTurn = false
                return [waiting.remove(at: large)]
            }
            var group: [Waiting] = []
            var rest: [Waiting] = []
            var taken = 0
            for entry in waiting {
                let count = entry.batch.operations.count
                if count <= PushQueue.largeBatch, group.isEmpty || taken + count <= maximumOperations {
                    group.append(entry)
                    taken += count
                } else {
                    rest.append(entry)
                }
            }
            waiting = rest
            largeTurn = large != nil
            return group
        }
    }

    /// More operations than this make a large push (see the type's comment).
    static let largeBatch = 64

    private let database: AppDatabase
    private let now: @Sendable () -> Date
    /// Marked at every push: background work waits for a quiet moment.
    let activity: ForegroundActivity
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "financialtracker.push", qos: .userInitiated)
    /// The most operations written in one transaction.
    let maximumOperations: Int

    init(database: AppDatabase, now: @escaping @Sendable () -> Date, activity: ForegroundActivity = ForegroundActivity(), maximumOperations: Int = 5_000) {
        self.database = database
        self.activity = activity
        self.now = now
        self.maximumOperations = maximumOperations
    }

    func push(_ batch: PushBatch) async throws -> [PushResult] {
        activity.mark()
        return try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.waiting.append(Waiting(batch: batch, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    private func drain() {
        while true {
            let group = state.withLock { state -> [Waiting] in
                let group = state.nextGroup(maximumOperations: maximumOperations)
                if group.isEmpty { state.draining = false }
                return group
            }
            guard !group.isEmpty else { return }
            do {
                let results = try database.push(group: group.map(\.batch), now: now())
                for (waiting, answer) in zip(group, results) { waiting.continuation.resume(returning: answer) }
                // Between two transactions: the moment the log can start over (a long log makes
                // every commit slower).
                database.restartWriteAheadLogIfLong()
            } catch {
                for waiting in group {
                    do {
                        waiting.continuation.resume(returning: try database.push(waiting.batch.operations, actor: waiting.batch.actor, now: now()))
                    } catch {
                        waiting.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
