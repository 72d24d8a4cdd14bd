internal import Dispatch
internal import Foundation
internal import FTStore
internal import FTSync
internal import Synchronization

/// Group commit for pushes: pushes that arrive while a transaction is being written wait and
/// are then written together, in one transaction, on a thread of their own (SQLite writes block;
/// the request threads stay free). Each push is still answered only after the commit that holds
/// it, and exactly as it would be alone. If a group fails as a whole, its pushes are retried one
/// by one, so one bad push never fails another.
///
/// A large push (a device back from days offline, or someone flooding the server) is written in
/// slices of `largeBatch` operations, one slice per transaction, taking turns with the small
/// pushes: a phone's one-message push waits for at most one slice, never for a whole large push,
/// and is never in the same transaction as one. A large push is answered once all its slices are
/// written; it is checked whole for operation ids another user holds before its first slice, so
/// such a push is still refused whole.
final class PushQueue: Sendable {
    /// A push waiting for its answer. Its slices and answers are touched by the drain thread
    /// only (`state`'s lock orders the hand-over).
    private final class Pending: @unchecked Sendable {
        let continuation: CheckedContinuation<[PushResult], any Error>
        let batch: PushBatch
        /// The slices not yet taken into a transaction.
        var slices: ArraySlice<PushBatch.Slice>
        let sliceCount: Int
        var answers: [PushResult?]
        var written = 0
        var failed = false

        init(batch: PushBatch, continuation: CheckedContinuation<[PushResult], any Error>) {
            self.batch = batch
            self.continuation = continuation
            let slices = batch.operations.count > PushQueue.largeBatch
                ? batch.slices(of: PushQueue.largeBatch)
                : [PushBatch.Slice(whole: batch)]
            self.slices = ArraySlice(slices)
            sliceCount = slices.count
            answers = Array(repeating: nil, count: batch.operations.count)
        }

        var isLarge: Bool { batch.operations.count > PushQueue.largeBatch }

        /// Keeps a slice's answers; answers the push once every slice has them.
        func answer(_ slice: PushBatch.Slice, with results: [PushResult]) {
            for (index, result) in zip(slice.indices, results) { answers[index] = result }
            written += 1
            guard written == sliceCount else { return }
            continuation.resume(returning: answers.enumerated().map { index, answer in
                answer ?? PushResult(operation: batch.operations[index].id, status: .rejected, rejection: Rejection(.invalidField, "refused"))
            })
        }

        func fail(_ error: any Error) {
            guard !failed else { return }
            failed = true
            slices.removeAll()
            continuation.resume(throwing: error)
        }
    }

    /// One transaction's work: a slice of each push in it.
    private typealias Work = (pending: Pending, slice: PushBatch.Slice)

    private struct State {
        var waiting: [Pending] = []
        var draining = false
        /// The last transaction held small pushes: a large one waiting goes next.
        var largeTurn = false

        /// The next transaction's work, taken out of `waiting`.
        mutating func nextGroup(maximumOperations: Int) -> [Work] {
            waiting.removeAll { $0.slices.isEmpty }  // refused whole
            let large = waiting.firstIndex { $0.isLarge }
            let anySmall = waiting.contains { !$0.isLarge }
            if let large, largeTurn || !anySmall {
                largeTurn = false
                let pending = waiting[large]
                let slice = pending.slices.removeFirst()
                if pending.slices.isEmpty { waiting.remove(at: large) }
                return [(pending, slice)]
            }
            var group: [Work] = []
            var rest: [Pending] = []
            var taken = 0
            for pending in waiting {
                let count = pending.batch.operations.count
                if !pending.isLarge, group.isEmpty || taken + count <= maximumOperations, let slice = pending.slices.popFirst() {
                    group.append((pending, slice))
                    taken += count
                } else {
                    rest.append(pending)
                }
            }
            waiting = rest
            largeTurn = large != nil
            return group
        }
    }

    /// More operations than this make a large push, written in slices of this many.
    static let largeBatch = 128

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
        guard !batch.operations.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            // Sliced here, not under the lock the drain thread takes.
            let pending = Pending(batch: batch, continuation: continuation)
            let start = state.withLock { state -> Bool in
                state.waiting.append(pending)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    private func drain() {
        while true {
            let group = state.withLock { state -> [Work] in
                let group = state.nextGroup(maximumOperations: maximumOperations)
                if group.isEmpty { state.draining = false }
                return group
            }
            guard !group.isEmpty else { return }
            // A large push's first slice: refused whole if another user holds one of its ids.
            let work = group.filter { pending, _ in
                guard pending.isLarge, pending.written == 0 else { return true }
                do {
                    try database.requireOwnOperationIds(pending.batch)
                    return true
                } catch {
                    pending.fail(error)
                    return false
                }
            }
            guard !work.isEmpty else { continue }
            do {
                let results = try database.push(group: work.map(\.slice.batch), now: now())
                for ((pending, slice), answer) in zip(work, results) { pending.answer(slice, with: answer) }
                // Between two transactions: the moment the log can start over (a long log makes
                // every commit slower).
                database.restartWriteAheadLogIfLong()
            } catch {
                for (pending, slice) in work {
                    do {
                        pending.answer(slice, with: try database.push(group: [slice.batch], now: now())[0])
                    } catch {
                        pending.fail(error)
                    }
                }
            }
        }
    }
}
