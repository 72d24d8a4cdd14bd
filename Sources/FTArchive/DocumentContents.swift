public import FTModel
public import FTStore
public import Foundation

/// Something that gives a content's bytes piece by piece (`nil` at the end).
public protocol ContentReader: AnyObject {
    func next() throws -> Data?
}

extension BlobReader: ContentReader {}
extension ArchivedContentReader: ContentReader {}

/// Where a version's bytes are read from: its blob, or its document's archive once archived.
public struct DocumentContents: Sendable {
    public let database: AppDatabase
    public let blobs: BlobStore

    public init(database: AppDatabase, blobs: BlobStore) {
        self.database = database
        self.blobs = blobs
    }

    /// Whether the version's bytes are stored here (versions synced without their upload are not,
    /// nor erased ones).
    public func isAvailable(_ version: DocumentVersion) -> Bool {
        guard version.erasedAt == nil else { return false }
        return switch version.storage {
        case .blob: blobs.contains(version.sha256)
        case .archived: DocumentArchive(blobs: blobs, documentId: version.documentId).exists
        }
    }

    /// The version's size in bytes, as stored.
    public func size(of version: DocumentVersion) throws -> Int {
        switch version.storage {
        case .blob: try blobs.size(of: version.sha256)
        case .archived: Int(version.byteCount)
        }
    }

    /// A reader of `range` (all by default) of the version's bytes, each piece authenticated; an
    /// archived version's are also checked against its SHA-256 at the end.
    public func reader(for version: DocumentVersion, range: Range<Int>? = nil) throws -> any ContentReader {
        switch version.storage {
        case .blob:
            return try blobs.reader(version.sha256, range: range)
        case .archived:
            let archive = DocumentArchive(blobs: blobs, documentId: version.documentId)
            return try archive.reader(for: version, archived: try database.archivedVersions(of: version.documentId), range: range)
        }
    }

    /// Gives every byte of the version to `body`.
    public func read(_ version: DocumentVersion, _ body: (Data) throws -> Void) throws {
        let reader = try reader(for: version)
        while let piece = try reader.next() { try body(piece) }
    }
}
