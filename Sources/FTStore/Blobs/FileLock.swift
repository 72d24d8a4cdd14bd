public import Foundation

/// An advisory lock on a file (`flock`): held until `release()` or deinit. Shared locks coexist;
/// an exclusive one waits for every other holder, in this process or another.
public final class FileLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Blocks until the lock is held.
    public init(path: String, exclusive: Bool) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BlobStore.BlobError.io(path, reason: String(cString: strerror(errno))) }
        while flock(descriptor, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw BlobStore.BlobError.io(path, reason: reason)
            }
        }
    }

    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit {
        release()
    }
}

extension BlobStore {
    /// Held shared by an upload from the moment its content is stored until its version is
    /// recorded, and exclusive by whoever deletes blobs: a blob is never deleted between the two.
    public func contentLock(exclusive: Bool) throws -> FileLock {
        try FileLock(path: directory + "/lock", exclusive: exclusive)
    }
}
