internal import Crypto
public import FTModel
public import FTStore
public import Foundation

/// One document's archive: its older versions' contents in a zstd-compressed tar written with
/// libarchive — `content/<sha256>` per distinct content, then `manifest.json` (document, and per
/// version: id, SHA-256, file name, type, size, author, time, HLC) — sealed like a blob (chunked
/// AES-256-GCM with the document key) at `blobs/archives/<xx>/<sha256 of the document id>.tar.zst.sealed`.
///
/// Reading trusts nothing in the archive: each entry's name and announced size must match what
/// the database says the archive holds before a byte of it is decompressed (a bomb is refused, not
/// expanded), every content must hash to its name, and a cut-off or altered file fails to
/// authenticate.
public struct DocumentArchive: Sendable {
    public static let manifestName = "manifest.json"
    static let manifestLimit = 16 << 20

    public let blobs: BlobStore
    public let documentId: String

    public init(blobs: BlobStore, documentId: String) {
        self.blobs = blobs
        self.documentId = documentId
    }

    public static func directory(in blobs: BlobStore) -> String {
        blobs.directory + "/archives"
    }

    public var path: String {
        let digest = SHA256.hash(data: Data(documentId.utf8)).map { String(format: "%02x", $0) }.joined()
        return "\(Self.directory(in: blobs))/\(digest.prefix(2))/\(digest).tar.zst.sealed"
    }

    /// Every archive file on disk.
    public static func storedPaths(in blobs: BlobStore) -> Set<String> {
        let directory = directory(in: blobs)
        var found = Set<String>()
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where folder.count == 2 {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + folder)) ?? [] where name.hasSuffix(".tar.zst.sealed") {
                found.insert("\(directory)/\(folder)/\(name)")
            }
        }
        return found
    }

    public var exists: Bool {
        FileManager.default.fileExists(atPath: path)
    }

    static func entryName(_ sha256: String) -> String {
        "content/" + sha256
    }

    /// Opens a sealed archive file for reading, entry by entry.
    static func open(_ path: String, blobs: BlobStore) throws -> TarReader {
        let sealed = try blobs.reader(sealedFile: path)
        return try TarReader { try sealed.next() }
    }

    /// The sizes the archive's contents must have, by entry name, from the versions it holds.
    static func expectedSizes(_ versions: [DocumentVersion]) -> [String: Int] {
        var sizes: [String: Int] = [:]
        for version in versions { sizes[entryName(version.sha256)] = Int(version.byteCount) }
        return sizes
    }

    /// Refuses an entry the archive should not hold, or one larger than it should be, before it is read.
    static func checkHeader(_ entry: TarReader.Entry, expected: [String: Int], path: String) throws {
        if entry.name == manifestName {
            guard let size = entry.size, size <= manifestLimit else { throw damaged(path, "its manifest announces \(entry.size.map(String.init) ?? "no") bytes") }
            return
        }
        guard let want = expected[entry.name] else { throw damaged(path, "it holds an unexpected entry '\(entry.name.prefix(80))'") }
        guard entry.size == want else {
            throw damaged(path, "\(entry.name) announces \(entry.size.map(String.init) ?? "no") bytes instead of \(want)")
        }
    }

    static func damaged(_ path: String, _ reason: String) -> BlobStore.BlobError {
        .corrupt(path, reason: reason)
    }

    /// A reader of one archived version's bytes (`range` of them), checked against its SHA-256
    /// at the end; `archived` are every archived version of the document (the archive's expected contents).
    public func reader(for version: DocumentVersion, archived: [DocumentVersion], range: Range<Int>? = nil) throws -> ArchivedContentReader {
        guard exists else { throw BlobStore.BlobError.missing(version.sha256) }
        let tar = try Self.open(path, blobs: blobs)
        let expected = Self.expectedSizes(archived + [version])
        let wanted = Self.entryName(version.sha256)
        while let entry = try tar.next() {
            try Self.checkHeader(entry, expected: expected, path: path)
            if entry.name == wanted {
                return ArchivedContentReader(tar: tar, path: path, sha256: version.sha256, size: Int(version.byteCount), range: range ?? 0..<Int(version.byteCount))
            }
            try tar.skipData()
        }
        throw Self.damaged(path, "version \(version.id)'s content (\(version.sha256.prefix(12))…) is not in it")
    }

    /// Reads the whole archive and checks it holds exactly `versions`: every content present,
    /// of the right size and hashing to its name, and a manifest that lists them.
    public static func check(_ path: String, blobs: BlobStore, versions: [DocumentVersion]) throws {
        let expected = expectedSizes(versions)
        var seen = Set<String>()
        var manifest: Manifest?
        let tar = try open(path, blobs: blobs)
        while let entry = try tar.next() {
            try checkHeader(entry, expected: expected, path: path)
            if entry.name == manifestName {
                let data = try tar.readData(limit: manifestLimit)
                do {
                    manifest = try Manifest.decoder.decode(Manifest.self, from: data)
                } catch {
                    throw damaged(path, "its manifest does not parse: \(error)")
                }
                continue
            }
            guard !seen.contains(entry.name) else { throw damaged(path, "\(entry.name) appears twice") }
            var hasher = SHA256()
            try tar.readData(limit: expected[entry.name] ?? 0) { hasher.update(bufferPointer: $0) }
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            guard entryName(digest) == entry.name else { throw damaged(path, "\(entry.name) hashes to \(digest)") }
            seen.insert(entry.name)
        }
        if let missing = Set(expected.keys).subtracting(seen).sorted().first {
            throw damaged(path, "\(missing) is missing")
        }
        guard let manifest else { throw damaged(path, "it has no manifest") }
        let listed = Set(manifest.versions.map(\.version))
        if let absent = versions.first(where: { !listed.contains($0.id) }) {
            throw damaged(path, "its manifest does not list version \(absent.id)")
        }
    }
}

/// Pieces of an archived version, as `BlobReader` gives a blob's: decompressed one piece at a
/// time; the whole content's size and SHA-256 are checked when its end is reached, and an error
/// is thrown instead of the last piece if they are wrong.
public final class ArchivedContentReader {
    private let tar: TarReader
    private let path: String
    private let sha256: String
    private let size: Int
    private let range: Range<Int>
    private var hasher = SHA256()
    private var offset = 0
    private var finished = false

    init(tar: TarReader, path: String, sha256: String, size: Int, range: Range<Int>) {
        self.tar = tar
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.range = range
    }

    public func next() throws -> Data? {
        while !finished {
            guard let piece = try tar.readPiece() else {
                finished = true
                let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
                guard offset == size, digest == sha256 else {
                    throw BlobStore.BlobError.corrupt(path, reason: "the archived content \(sha256.prefix(12))… reads back as \(offset) bytes hashing to \(digest.prefix(12))…")
                }
                return nil
            }
            hasher.update(data: piece)
            let start = offset
            offset += piece.count
            guard offset <= size else { throw BlobStore.BlobError.corrupt(path, reason: "the archived content \(sha256.prefix(12))… is longer than \(size) bytes") }
            let from = max(range.lowerBound - start, 0)
            let to = min(range.upperBound - start, piece.count)
            if from < to { return piece.subdata(in: from..<to) }
        }
        return nil
    }
}

/// The archive's `manifest.json`.
struct Manifest: Codable {
    struct Version: Codable {
        var version: String
        var sha256: String
        var fileName: String
        var mediaType: String
        var byteCount: Int64
        var uploadedBy: Int64
        var uploadedByName: String?
        var uploadedAt: Date
        var hlc: String
        var validation: String
    }

    var document: String
    var title: String
    var dossier: Int64
    var versions: [Version]

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
