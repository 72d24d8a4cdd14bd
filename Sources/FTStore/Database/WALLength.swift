internal import Synchronization

/// The write-ahead log's length in frames (pages) when it was last checkpointed, by the background
/// checkpointer or by the writer (`AppDatabase.restartWriteAheadLogIfLong`).
final class WALLength: Sendable {
    private let frames = Atomic<Int>(0)

    var current: Int { frames.load(ordering: .relaxed) }

    func record(_ value: Int) {
        frames.store(value, ordering: .relaxed)
    }
}
