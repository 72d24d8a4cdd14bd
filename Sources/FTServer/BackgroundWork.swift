internal import Synchronization

/// What runs beside the requests and reads or writes the database on its own (the document
/// indexer, the site and dashboard rebuilds, scheduled jobs): `ft serve` stops all of it, waiting
/// for work under way to finish, before it closes the database. A read still running when the
/// database closed crashed the server on SIGTERM (GRDB hands it a closed connection).
public final class BackgroundWork: Sendable {
    private let stops = Mutex<[@Sendable () async -> Void]>([])

    public init() {}

    /// `stop` ends one piece of work and returns once it no longer touches the database.
    public func add(stop: @escaping @Sendable () async -> Void) {
        stops.withLock { $0.append(stop) }
    }

    /// Stops everything added, the last added first, one after the other.
    public func stopAll() async {
        let all = stops.withLock { stops in
            defer { stops.removeAll() }
            return stops
        }
        for stop in all.reversed() { await stop() }
    }
}
