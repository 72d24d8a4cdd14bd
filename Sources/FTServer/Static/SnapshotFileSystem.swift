internal import Foundation
internal import Hummingbird
internal import NIOCore
internal import Synchronization
internal import _NIOFileSystem

/// The public folder's files for `FileMiddleware`, each read whole through one open file: its
/// size, date and bytes come from the same file even while a rebuild renames a new version over
/// its path. Hummingbird's `LocalFileSystem` took the size from one `stat` and the bytes from a
/// later `open`: a page replaced in between was sent cut short, or with bytes past its
/// Content-Length (seen by `.ci/bench-profile.py` reading a profile during its rebuild).
/// The site's files are small (pages, search shards, icons): reading one into memory costs less
/// than the request around it.
struct SnapshotFileSystem: FileProvider {
    struct FileAttributes: FileMiddlewareFileAttributes, Sendable {
        var isFolder: Bool
        var size: Int
        var modificationDate: Date
    }

    /// A path, and the bytes `getAttributes` read from it, for `loadFile`.
    final class FileIdentifier: Sendable {
        let path: String
        let bytes = Mutex<ByteBuffer?>(nil)

        init(path: String) {
            self.path = path
        }
    }

    /// Larger files are not served (none of the site's comes near).
    static let maximumSize: Int64 = 64 << 20

    let rootFolder: String

    init(rootFolder: String) {
        self.rootFolder = rootFolder.hasSuffix("/") ? rootFolder : rootFolder + "/"
    }

    func getFileIdentifier(_ path: String) -> FileIdentifier? {
        FileIdentifier(path: rootFolder + (path.first == "/" ? String(path.dropFirst()) : path))
    }

    func getAttributes(id: FileIdentifier) async throws -> FileAttributes? {
        do {
            guard let info = try await FileSystem.shared.info(forFileAt: FilePath(id.path)) else { return nil }
            if info.type == .directory {
                return FileAttributes(isFolder: true, size: 0, modificationDate: Self.date(info))
            }
            return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(id.path)) { handle in
                // The open file's own size and date: the path may name another file by now.
                let opened = try await handle.info()
                let bytes = try await handle.readToEnd(maximumSizeAllowed: .bytes(Self.maximumSize))
                id.bytes.withLock { $0 = bytes }
                return FileAttributes(isFolder: false, size: bytes.readableBytes, modificationDate: Self.date(opened))
            }
        } catch {
            return nil
        }
    }

    func loadFile(id: FileIdentifier, context: some RequestContext) async throws -> ResponseBody {
        guard let bytes = id.bytes.withLock({ $0 }) else { throw HTTPError(.notFound) }
        return ResponseBody(byteBuffer: bytes)
    }

    func loadFile(id: FileIdentifier, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        guard let bytes = id.bytes.withLock({ $0 }), range.lowerBound >= 0, range.upperBound < bytes.readableBytes,
              let part = bytes.getSlice(at: bytes.readerIndex + range.lowerBound, length: range.count)
        else { throw HTTPError(.rangeNotSatisfiable) }
        return ResponseBody(byteBuffer: part)
    }

    private static func date(_ info: FileInfo) -> Date {
        Date(timeIntervalSince1970: Double(info.lastDataModificationTime.seconds))
    }
}
