public import FTModel
public import FTStore
public import Foundation

/// The archiving policy: each document keeps its newest `keep` versions as blobs; older ones move
/// into the document's archive (`DocumentArchive`).
///
/// For one document: a new archive is written (the old archive's contents copied, the newly
/// archived blobs added, a manifest of all of them), read back and checked in full, and only then
/// put in place, the versions marked archived, and the blobs no version still needs deleted. A
/// crash at any point leaves every version readable; a failure on one document (a damaged old
/// archive, say) is reported and the others go on. One run at a time (a lock file), in this
/// process or another. Each run also removes what nothing uses any more (`collectLeftovers`).
public struct DocumentArchiver: Sendable {
    public let database: AppDatabase
    public let blobs: BlobStore
    public let keep: Int

    public struct Report: Sendable {
        public var documents = 0
        public var versionsArchived = 0
        public var bytesArchived = 0
        public var blobsDeleted = 0
        /// Versions due for archiving whose content was never stored here (the demo data's).
        public var withoutContent = 0
        /// Blobs, archives and abandoned upload files nothing uses any more (a refused upload, a
        /// deleted dossier, a crash), removed once older than the grace period.
        public var leftoversDeleted = 0
        public var failures: [String] = []
    }

    /// How old a file nothing uses must be before it is deleted: an upload in progress, or one
    /// whose version is being recorded, is never mistaken for a leftover.
    public let grace: TimeInterval

    public init(database: AppDatabase, blobs: BlobStore, keep: Int, grace: TimeInterval = 86_400) {
        self.database = database
        self.blobs = blobs
        self.keep = max(1, keep)
        self.grace = grace
    }

    /// Archives every document with versions due; `progress` is told (done, total) after each.
    public func run(progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let directory = DocumentArchive.directory(in: blobs)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try FileLock(path: directory + "/lock", exclusive: true)
        defer { lock.release() }
        var report = Report()
        let documents = try database.documentsToArchive(keep: keep)
        for (index, documentId) in documents.enumerated() {
            do {
                try archive(documentId, into: &report)
            } catch {
                report.failures.append("document \(documentId): \(error)")
            }
            progress(index + 1, documents.count)
        }
        do {
            report.leftoversDeleted = try collectLeftovers(now: Date())
        } catch {
            report.failures.append("removing leftovers: \(error)")
        }
        return report
    }

    /// Deletes blobs no version kept as a blob names, archives of documents with no archived
    /// version, and temporary files, each only if older than `grace`.
    func collectLeftovers(now: Date) throws -> Int {
        let contentLock = try blobs.contentLock(exclusive: true)
        defer { contentLock.release() }
        func old(_ path: String) -> Bool {
            let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            return modified.map { now.timeIntervalSince($0) > grace } ?? false
        }
        var removed = 0
        for digest in blobs.storedDigests().subtracting(try database.blobDigestsInUse()) where old(blobs.path(of: digest)) {
            try blobs.remove(digest)
            removed += 1
        }
        let kept = Set(try database.documentsWithArchives().map { DocumentArchive(blobs: blobs, documentId: $0).path })
        for path in DocumentArchive.storedPaths(in: blobs).subtracting(kept) where old(path) {
            try FileManager.default.removeItem(atPath: path)
            removed += 1
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: blobs.directory + "/tmp")) ?? [] where old(blobs.directory + "/tmp/" + name) {
            try FileManager.default.removeItem(atPath: blobs.directory + "/tmp/" + name)
            removed += 1
        }
        return removed
    }

    /// Archives one document's versions due; `purging`, also rewrites its archive without the
    /// versions whose contents were erased (removes it when nothing else is left in it).
    private func archive(_ documentId: String, into report: inout Report, purging: Bool = false) throws {
        guard let plan = try database.archivePlan(document: documentId, keep: keep) else { return }
        let fresh = plan.toArchive.filter { blobs.contains($0.sha256) }
        report.withoutContent += plan.toArchive.count - fresh.count
        let archive = DocumentArchive(blobs: blobs, documentId: documentId)
        let purge = purging && !plan.erased.isEmpty && archive.exists
        guard !fresh.isEmpty || purge else { return }
        let all = plan.archived + fresh
        if all.isEmpty {
            try FileManager.default.removeItem(atPath: archive.path)
            return
        }
        let sealed = try blobs.writer()
        do {
            let tar = try TarWriter { try sealed.append($0) }
            var written = Set<String>()
            if !plan.archived.isEmpty || purge {
                // The old archive's contents, each checked on the way (a damaged one stops here);
                // an erased version's are left behind.
                let old = try DocumentArchive.open(archive.path, blobs: blobs)
                let expected = DocumentArchive.expectedSizes(plan.archived + plan.erased)
                let kept = Set(plan.archived.map { DocumentArchive.entryName($0.sha256) })
                while let entry = try old.next() {
                    try DocumentArchive.checkHeader(entry, expected: expected, path: archive.path)
                    guard entry.name != DocumentArchive.manifestName, kept.contains(entry.name), !written.contains(entry.name), let size = entry.size else {
                        try old.skipData()
                        continue
                    }
                    try tar.add(entry.name, size: size, modified: Date()) { sink in try old.readData(limit: size, sink) }
                    written.insert(entry.name)
                }
            }
            for version in fresh where !written.contains(DocumentArchive.entryName(version.sha256)) {
                let name = DocumentArchive.entryName(version.sha256)
                try tar.add(name, size: Int(version.byteCount), modified: version.uploadedAt) { sink in
                    try blobs.read(version.sha256) { data in try data.withUnsafeBytes { try sink($0) } }
                }
                written.insert(name)
                report.bytesArchived += Int(version.byteCount)
            }
            let manifest = Manifest(
                document: documentId, title: plan.document.title, dossier: plan.document.dossierId,
                versions: all.map { version in
                    Manifest.Version(
                        version: version.id, sha256: version.sha256, fileName: version.fileName, mediaType: version.mediaType,
                        byteCount: version.byteCount, uploadedBy: version.uploadedBy, uploadedByName: plan.uploaders[version.uploadedBy],
                        uploadedAt: version.uploadedAt, hlc: version.hlc, validation: version.validation.rawValue
                    )
                }
            )
            try tar.add(DocumentArchive.manifestName, data: try Manifest.encoder.encode(manifest), modified: Date())
            try tar.close()
            _ = try sealed.seal()
            // Nothing is trusted before it has been read back whole.
            try DocumentArchive.check(sealed.temporaryPath, blobs: blobs, versions: all)
            try FileManager.default.createDirectory(atPath: (archive.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try sealed.commit(to: archive.path)
        } catch {
            sealed.cancel()
            throw error
        }
        try database.markArchived(fresh.map(\.id))
        report.documents += 1
        report.versionsArchived += fresh.count
        // Blobs that no version kept as a blob still uses; an upload of the same bytes holds the
        // content lock (shared) until its version is recorded, so it cannot lose its blob here.
        let contentLock = try blobs.contentLock(exclusive: true)
        defer { contentLock.release() }
        let digests = Set(fresh.map(\.sha256))
        for digest in digests.subtracting(try database.blobsInUse(digests)) {
            try blobs.remove(digest)
            report.blobsDeleted += 1
        }
    }
}

extension DocumentArchiver {
    /// Takes erased versions' bytes off the disk (`AppDatabase.deleteAccount` marked them): each
    /// blob no version still kept uses, and each archive holding one, rewritten without it (or
    /// removed when nothing else was in it). Waits for an archiving run under way. Returns how
    /// many files were removed or rewritten.
    public func erase(_ versions: [DocumentVersion]) throws -> Int {
        guard !versions.isEmpty else { return 0 }
        let directory = DocumentArchive.directory(in: blobs)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try FileLock(path: directory + "/lock", exclusive: true)
        defer { lock.release() }
        var changed = 0
        var report = Report()
        for documentId in Set(versions.filter { $0.storage == .archived }.map(\.documentId)).sorted() {
            try archive(documentId, into: &report, purging: true)
            changed += 1
        }
        let contentLock = try blobs.contentLock(exclusive: true)
        defer { contentLock.release() }
        let digests = Set(versions.filter { $0.storage == .blob }.map(\.sha256))
        for digest in digests.subtracting(try database.blobsInUse(digests)) where blobs.contains(digest) {
            try blobs.remove(digest)
            changed += 1
        }
        return changed
    }
}
