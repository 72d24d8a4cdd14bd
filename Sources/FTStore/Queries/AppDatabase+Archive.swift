internal import GRDB
public import FTModel

/// What archiving one document involves: the versions already in its archive and those that now
/// go there (older than the newest `keep`, still kept as blobs).
public struct ArchivePlan: Sendable {
    public var document: Document
    public var archived: [DocumentVersion]
    /// Versions the archive may still hold but must not keep: their contents were erased.
    public var erased: [DocumentVersion]
    public var toArchive: [DocumentVersion]
    /// Display names of everyone who uploaded one of these versions, for the manifest.
    public var uploaders: [Int64: String]
}

extension AppDatabase {
    /// Ranks each document's versions, newest first (by HLC, then id: the order that makes the
    /// newest current).
    private static let rankedVersions = """
        SELECT v.*, ROW_NUMBER() OVER (PARTITION BY v.documentId ORDER BY v.hlc DESC, v.id DESC) AS versionRank FROM documentVersion v
        """

    /// Documents with versions older than their newest `keep` still kept as blobs.
    public func documentsToArchive(keep: Int) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT documentId FROM (\(Self.rankedVersions)) WHERE versionRank > ? AND storage = 'blob' AND erasedAt IS NULL ORDER BY documentId
                """, arguments: [keep])
        }
    }

    /// The plan for one document (nil if it no longer exists).
    public func archivePlan(document documentId: String, keep: Int) throws -> ArchivePlan? {
        try writer.read { db in
            guard let document = try Document.fetchOne(db, sql: "SELECT * FROM document WHERE id = ?", arguments: [documentId]) else { return nil }
            let archived = try DocumentVersion.fetchAll(db, sql: """
                SELECT * FROM documentVersion WHERE documentId = ? AND storage = 'archived' AND erasedAt IS NULL ORDER BY hlc, id
                """, arguments: [documentId])
            let erased = try DocumentVersion.fetchAll(db, sql: """
                SELECT * FROM documentVersion WHERE documentId = ? AND storage = 'archived' AND erasedAt IS NOT NULL ORDER BY hlc, id
                """, arguments: [documentId])
            let toArchive = try DocumentVersion.fetchAll(db, sql: """
                SELECT * FROM (\(Self.rankedVersions) WHERE v.documentId = ?) WHERE versionRank > ? AND storage = 'blob' AND erasedAt IS NULL ORDER BY hlc, id
                """, arguments: [documentId, keep])
            var uploaders: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT id, displayName FROM user WHERE id IN (SELECT uploadedBy FROM documentVersion WHERE documentId = ?)
                """, arguments: [documentId]) {
                uploaders[row[0]] = row[1]
            }
            return ArchivePlan(document: document, archived: archived, erased: erased, toArchive: toArchive, uploaders: uploaders)
        }
    }

    /// Records that these versions' contents now live in their document's archive.
    public func markArchived(_ versionIds: [String]) throws {
        try writer.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE documentVersion SET storage = 'archived' WHERE id = ? AND storage = 'blob'")
            for id in versionIds { try statement.execute(arguments: [id]) }
        }
    }

    /// Which of these contents a version still kept as a blob uses.
    public func blobsInUse(_ digests: Set<String>) throws -> Set<String> {
        try writer.read { db in
            var used = Set<String>()
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM documentVersion WHERE sha256 = ? AND storage = 'blob' AND erasedAt IS NULL LIMIT 1")
            for digest in digests where try Bool.fetchOne(statement, arguments: [digest]) != nil { used.insert(digest) }
            return used
        }
    }

    /// Every archived version, by document, oldest first: what the archives must hold.
    public func archivedVersions() throws -> [String: [DocumentVersion]] {
        try writer.read { db in
            Dictionary(grouping: try DocumentVersion.fetchAll(db, sql: "SELECT * FROM documentVersion WHERE storage = 'archived' AND erasedAt IS NULL ORDER BY hlc, id"), by: \.documentId)
        }
    }

    /// The archived versions of one document (to find a version's bytes in its archive).
    public func archivedVersions(of documentId: String) throws -> [DocumentVersion] {
        try writer.read { db in
            try DocumentVersion.fetchAll(db, sql: "SELECT * FROM documentVersion WHERE documentId = ? AND storage = 'archived' ORDER BY hlc, id", arguments: [documentId])
        }
    }

    /// Every content a version kept as a blob names.
    public func blobDigestsInUse() throws -> Set<String> {
        try writer.read { db in Set(try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM documentVersion WHERE storage = 'blob' AND erasedAt IS NULL")) }
    }

    /// The documents that have an archive.
    public func documentsWithArchives() throws -> Set<String> {
        try writer.read { db in Set(try String.fetchAll(db, sql: "SELECT DISTINCT documentId FROM documentVersion WHERE storage = 'archived' AND erasedAt IS NULL")) }
    }
}
