internal import Dispatch
internal import HTTPTypes
internal import Synchronization

/// Work a request may ask for that takes the processor for long — checking a password (PBKDF2,
/// slow by design) or reading a large push body — runs here: one job at a time, on a thread of its
/// own. The threads that serve requests stay free, so a burst of sign-ins or of huge bodies from
/// one user can take at most one core from everyone else. Past `maximumWaiting` jobs in line, a
/// request is refused at once (503, try again) rather than queued without bound.
final class HeavyWork: Sendable {
    private let queue = DispatchQueue(label: "financialtracker.heavy-work", qos: .utility)
    private let waiting = Mutex(0)
    let maximumWaiting: Int

    init(maximumWaiting: Int = 64) {
        self.maximumWaiting = maximumWaiting
    }

    static let busy = APIError(.serviceUnavailable, "busy", "the server is busy with other requests of this kind; try again in a moment")

    func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        let admitted = waiting.withLock { count -> Bool in
            guard count < maximumWaiting else { return false }
            count += 1
            return true
        }
        guard admitted else { throw Self.busy }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let result = Result { try work() }
                self.waiting.withLock { $0 -= 1 }
                continuation.resume(with: result)
            }
        }
    }
}
