internal import NIOCore
internal import NIOPosix
#if canImport(Glibc)
internal import Glibc
#endif

/// The one thread the push worker does its own processor work on — encrypting and signing each
/// push, and the push services' connections — which the kernel schedules behind every other thread
/// of the server (`niceness`). A large delivery then takes the processor time that the request
/// threads and the SQLite writer leave, and a sync push beside it waits for nothing of it: on Swift's
/// two-thread pool or on the server's event loops, every encryption was a turn a request waited for.
///
/// Nothing here may hold a lock another thread waits for (the SQLite writer above all): the store
/// calls stay on the worker's `StoreQueue`, at the server's priority.
final class BackgroundLoop: Sendable {
    let group: MultiThreadedEventLoopGroup
    /// Linux nice value, per thread. 10 gives the loop about a tenth of a busy core against threads at 0.
    static let niceness: Int32 = 10

    init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        group.next().execute {
            #if canImport(Glibc)
            // On Linux `setpriority` with who = 0 changes the calling thread only.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
            #endif
        }
    }

    /// Runs `work` on the loop's thread.
    func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await group.next().submit(work).get()
    }

    func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
