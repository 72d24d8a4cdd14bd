internal import Crypto
public import Foundation

/// Document contents on disk, encrypted at rest and addressed by the SHA-256 of their plaintext:
/// identical bytes are stored once, under `blobs/<2 hex>/<64 hex>`.
///
/// A stored file is `FTB1`, an 8-byte random nonce prefix, then chunks of at most 1 MiB of
/// plaintext, each sealed with AES-256-GCM: `[length: UInt32 BE][ciphertext][tag: 16]`, with the
/// nonce `prefix ‖ index` and, as authenticated data, the header, the index and whether it is the
/// last chunk — so chunks cannot be reordered, dropped or cut off without the read failing. Every
/// chunk but the last is full, so a byte range is found without reading what comes before it.
///
/// Uploads stream through `BlobWriter` into a temporary file beside the store and are moved into
/// place only once complete: an interrupted upload leaves no blob.
public struct BlobStore: Sendable {
    public let directory: String
    let key: DocumentKey

    static let magic: [UInt8] = Array("FTB1".utf8)
    static let headerSize = 12
    public static let chunkSize = 1 << 20
    static let tagSize = 16

    public enum BlobError: Error, CustomStringConvertible, Equatable {
        case wrongKey
        case corrupt(String, reason: String)
        case missing(String)
        case io(String, reason: String)

        public var description: String {
            switch self {
            case .wrongKey: "the document key does not open the stored documents (a different key than the one they were written with?)"
            case .corrupt(let path, let reason): "the stored document \(path) is damaged: \(reason)"
            case .missing(let sha): "no stored content with SHA-256 \(sha)"
            case .io(let path, let reason): "\(path): \(reason)"
            }
        }
    }

    /// The search index's hashing of words, under a key derived from this store's key.
    public var blindIndex: BlindIndex { BlindIndex(documentKey: key) }

    /// Opens (creating) the store and checks that `key` is the one its contents were written with.
    public init(directory: String, key: DocumentKey) throws {
        self.directory = directory
        self.key = key
        do {
            try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        } catch {
            throw BlobError.io(directory, reason: error.localizedDescription)
        }
        try checkKey()
    }

    /// A small sealed file written with the first key: a later start with another key fails here,
    /// before anything is read or written.
    private func checkKey() throws {
        let path = directory + "/key-check"
        let marker = Data("financialtracker document key".utf8)
        if let sealed = FileManager.default.contents(atPath: path) {
            guard let box = try? AES.GCM.SealedBox(combined: sealed), let opened = try? AES.GCM.open(box, using: key.key), opened == marker else {
                throw BlobError.wrongKey
            }
            return
        }
        guard let combined = try AES.GCM.seal(marker, using: key.key).combined else { throw BlobError.io(path, reason: "cannot seal") }
        try combined.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public func path(of sha256: String) -> String {
        "\(directory)/\(sha256.prefix(2))/\(sha256)"
    }

    public func contains(_ sha256: String) -> Bool {
        Self.isDigest(sha256) && FileManager.default.fileExists(atPath: path(of: sha256))
    }

    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Starts an upload.
    /// `durable`: the file is synced to disk before `finish` returns (every upload). The seed,
    /// which writes thousands of small files into a data directory it builds from scratch, leaves
    /// that to the system.
    public func writer(durable: Bool = true) throws -> BlobWriter {
        try BlobWriter(store: self, durable: durable)
    }

    /// The plaintext size of a stored blob, from its file size (no decryption).
    public func size(of sha256: String) throws -> Int {
        guard let size = try Self.plaintextSize(atPath: path(of: sha256)) else { throw BlobError.missing(sha256) }
        return size
    }

    /// The plaintext size of any sealed file (nil if there is none).
    static func plaintextSize(atPath path: String) throws -> Int? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let fileSize = (attributes?[.size] as? NSNumber)?.intValue else { return nil }
        let payload = fileSize - Self.headerSize
        let perChunk = Self.chunkSize + 4 + Self.tagSize
        let full = payload / perChunk
        let rest = payload - full * perChunk
        guard payload >= 4 + Self.tagSize || full > 0 else { throw BlobError.corrupt(path, reason: "too short") }
        if rest == 0 { return full * Self.chunkSize }
        guard rest >= 4 + Self.tagSize else { throw BlobError.corrupt(path, reason: "cut off") }
        return full * Self.chunkSize + rest - 4 - Self.tagSize
    }

    /// Reads `range` (plaintext offsets; all by default) of a blob, chunk by chunk, each chunk
    /// authenticated before any of its bytes is given to `body`.
    public func read(_ sha256: String, range: Range<Int>? = nil, _ body: (Data) throws -> Void) throws {
        let reader = try reader(sha256, range: range)
        while let chunk = try reader.next() { try body(chunk) }
    }

    /// A reader of `range` (all by default) that decrypts one chunk (≤ 1 MiB) per `next()`.
    public func reader(_ sha256: String, range: Range<Int>? = nil) throws -> BlobReader {
        guard Self.isDigest(sha256) else { throw BlobError.missing(sha256) }
        let total = try size(of: sha256)
        return try BlobReader(store: self, path: path(of: sha256), total: total, range: range.map { $0.clamped(to: 0..<total) } ?? 0..<total)
    }

    /// A reader of a sealed file written by `BlobWriter.commit(to:)` (an archive, say).
    public func reader(sealedFile path: String) throws -> BlobReader {
        guard let total = try Self.plaintextSize(atPath: path) else { throw BlobError.io(path, reason: "no such file") }
        return try BlobReader(store: self, path: path, total: total, range: 0..<total)
    }

    /// Deletes a stored blob (no error if it is already gone).
    public func remove(_ sha256: String) throws {
        guard Self.isDigest(sha256) else { return }
        guard unlink(path(of: sha256)) == 0 || errno == ENOENT else {
            throw BlobError.io(path(of: sha256), reason: String(cString: strerror(errno)))
        }
    }

    /// Reads a whole blob and checks it: every chunk authenticates and the plaintext's SHA-256 is
    /// its name. Nil when sound; otherwise what is wrong.
    public func verify(_ sha256: String) -> BlobError? {
        guard contains(sha256) else { return .missing(sha256) }
        var hasher = SHA256()
        do {
            try read(sha256) { hasher.update(data: $0) }
        } catch let error as BlobError {
            return error
        } catch {
            return .io(path(of: sha256), reason: error.localizedDescription)
        }
        let actual = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return actual == sha256 ? nil : .corrupt(path(of: sha256), reason: "its content hashes to \(actual)")
    }

    /// The digests of every stored blob.
    public func storedDigests() -> Set<String> {
        var found = Set<String>()
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where folder.count == 2 {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + folder)) ?? [] where Self.isDigest(name) {
                found.insert(name)
            }
        }
        return found
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}

/// One upload in progress: bytes in, encrypted chunks out to a temporary file, SHA-256 on the way.
/// `finish()` moves it into place (or drops it if the same content is already stored);
/// `cancel()` (or never finishing) leaves nothing behind but the temporary file, removed at once.
public final class BlobWriter {
    let store: BlobStore
    public let temporaryPath: String
    private let handle: FileHandle
    private let header: [UInt8]
    private var pending = Data(capacity: BlobStore.chunkSize)
    private let hasher = BackgroundHasher()
    private let output: BackgroundWriter
    private var index: UInt32 = 0
    public private(set) var byteCount = 0
    /// The first bytes, for type detection.
    public private(set) var head = Data()
    private let durable: Bool

    init(store: BlobStore, durable: Bool) throws {
        self.store = store
        self.durable = durable
        temporaryPath = "\(store.directory)/tmp/\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil), let handle = FileHandle(forWritingAtPath: temporaryPath) else {
            throw BlobStore.BlobError.io(temporaryPath, reason: "cannot create")
        }
        self.handle = handle
        output = BackgroundWriter(handle: handle)
        var prefix = [UInt8](repeating: 0, count: 8)
        for i in prefix.indices { prefix[i] = UInt8.random(in: 0...255) }
        header = BlobStore.magic + prefix
        try handle.write(contentsOf: header)
    }

    public func append(_ bytes: Data) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Appends bytes without copying them first (from a network buffer, say).
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        byteCount += bytes.count
        if head.count < 512 { head.append(contentsOf: bytes.prefix(512 - head.count)) }
        // A full chunk is sealed only once a byte after it is known: the last chunk is sealed
        // (marked last) by `finish`. Large appends stay linear: nothing is copied twice.
        var offset = 0
        if !pending.isEmpty {
            let fill = min(BlobStore.chunkSize - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<fill])
            offset = fill
            guard offset < bytes.count else { return }
            try seal(pending, last: false)
            pending.removeAll(keepingCapacity: true)
        }
        while bytes.count - offset > BlobStore.chunkSize {
            try seal(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + BlobStore.chunkSize)]), last: false)
            offset += BlobStore.chunkSize
        }
        pending.append(contentsOf: bytes[offset...])
    }

    private func seal(_ chunk: some DataProtocol, last: Bool) throws {
        // Hashed on another thread while this one encrypts and writes: chunk by chunk, in order.
        hasher.update(chunk as? Data ?? Data(chunk))
        let nonce = try AES.GCM.Nonce(data: header.suffix(8) + BlobStore.bigEndian(index))
        let box = try AES.GCM.seal(chunk, using: store.key.key, nonce: nonce, authenticating: header + BlobStore.bigEndian(index) + [last ? 1 : 0])
        // Written on a third thread: copying into the page cache costs as much as the rest.
        try output.write([Data(BlobStore.bigEndian(UInt32(chunk.count))), box.ciphertext, box.tag])
        index += 1
    }

    /// Seals the rest, and stores the content under its SHA-256. Returns the digest.
    public func finish() throws -> String {
        let sha256 = try seal()
        let target = store.path(of: sha256)
        if FileManager.default.fileExists(atPath: target) {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            return sha256
        }
        try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try commit(to: target)
        return sha256
    }

    /// Seals the rest and closes the temporary file (still under `temporaryPath`, readable with
    /// `BlobStore.reader(sealedFile:)`). Returns the plaintext's SHA-256.
    public func seal() throws -> String {
        try seal(pending, last: true)
        pending = Data()
        try output.finish()
        if durable { try handle.synchronize() }
        try handle.close()
        return hasher.finalize()
    }

    /// Moves the sealed file to `path` (atomically replacing what is there).
    public func commit(to path: String) throws {
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw BlobStore.BlobError.io(path, reason: reason)
        }
    }

    /// Drops the upload.
    public func cancel() {
        try? output.finish()
        try? handle.close()
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }
}

/// SHA-256 computed on a serial queue of its own, so that an upload hashes and encrypts on two
/// cores at once. At most 8 chunks wait to be hashed.
final class BackgroundHasher: @unchecked Sendable {
    private let queue = DispatchQueue(label: "FinancialTracker.hash")
    private let room = DispatchSemaphore(value: 8)
    /// Touched only on `queue`.
    private var hasher = SHA256()

    func update(_ data: Data) {
        room.wait()
        queue.async {
            self.hasher.update(data: data)
            self.room.signal()
        }
    }

    /// Waits for the chunks still queued, then gives the digest (lowercase hex).
    func finalize() -> String {
        queue.sync { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
    }
}

/// File writes on a serial queue of their own, in order; the first error is thrown by the next
/// `write` or by `finish`. At most 8 chunks wait to be written.
final class BackgroundWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "FinancialTracker.write")
    private let room = DispatchSemaphore(value: 8)
    private let handle: FileHandle
    /// Set on `queue`, read after a `queue.sync`.
    private var failure: (any Error)?

    init(handle: FileHandle) {
        self.handle = handle
    }

    func write(_ pieces: [Data]) throws {
        if let failure = queue.sync(execute: { failure }) { throw failure }
        room.wait()
        queue.async {
            defer { self.room.signal() }
            guard self.failure == nil else { return }
            do {
                for piece in pieces { try self.handle.write(contentsOf: piece) }
            } catch {
                self.failure = error
            }
        }
    }

    /// Waits for every queued write; throws the first error.
    func finish() throws {
        if let failure = queue.sync(execute: { failure }) { throw failure }
    }
}

/// Sequential decryption of part of a blob (see `BlobStore.reader`).
public final class BlobReader {
    private let store: BlobStore
    private let path: String
    private let handle: FileHandle
    private let header: Data
    private let wanted: Range<Int>
    private let chunkCount: Int
    private var index: Int
    private var done = false

    init(store: BlobStore, path: String, total: Int, range: Range<Int>) throws {
        self.store = store
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BlobStore.BlobError.missing((path as NSString).lastPathComponent) }
        self.handle = handle
        header = try handle.read(upToCount: BlobStore.headerSize) ?? Data()
        guard header.count == BlobStore.headerSize, Array(header.prefix(4)) == BlobStore.magic else {
            try? handle.close()
            throw BlobStore.BlobError.corrupt(path, reason: "not a FinancialTracker blob")
        }
        wanted = range
        chunkCount = max(1, (total + BlobStore.chunkSize - 1) / BlobStore.chunkSize)
        index = range.lowerBound / BlobStore.chunkSize
        try handle.seek(toOffset: UInt64(BlobStore.headerSize + index * (BlobStore.chunkSize + 4 + BlobStore.tagSize)))
    }

    deinit {
        try? handle.close()
    }

    /// The next piece of the range, or nil at its end.
    public func next() throws -> Data? {
        while !done, index < chunkCount {
            let chunkStart = index * BlobStore.chunkSize
            if !wanted.isEmpty, chunkStart >= wanted.upperBound { break }
            guard let lengthBytes = try handle.read(upToCount: 4), lengthBytes.count == 4 else {
                throw BlobStore.BlobError.corrupt(path, reason: "cut off before chunk \(index)")
            }
            let length = lengthBytes.reduce(0) { $0 << 8 | Int($1) }
            guard length <= BlobStore.chunkSize else { throw BlobStore.BlobError.corrupt(path, reason: "chunk \(index) claims \(length) bytes") }
            guard let sealed = try handle.read(upToCount: length + BlobStore.tagSize), sealed.count == length + BlobStore.tagSize else {
                throw BlobStore.BlobError.corrupt(path, reason: "chunk \(index) is cut off")
            }
            let last = index == chunkCount - 1
            let plain: Data
            do {
                let box = try AES.GCM.SealedBox(
                    nonce: try AES.GCM.Nonce(data: header.suffix(8) + BlobStore.bigEndian(UInt32(index))),
                    ciphertext: sealed.prefix(length), tag: sealed.suffix(BlobStore.tagSize)
                )
                plain = try AES.GCM.open(box, using: store.key.key, authenticating: header + BlobStore.bigEndian(UInt32(index)) + [last ? 1 : 0])
            } catch {
                throw BlobStore.BlobError.corrupt(path, reason: "chunk \(index) does not authenticate")
            }
            index += 1
            if wanted.isEmpty {
                done = true
                return nil
            }
            let from = max(wanted.lowerBound - chunkStart, 0)
            let to = min(wanted.upperBound - chunkStart, plain.count)
            if from < to { return plain.subdata(in: plain.startIndex + from ..< plain.startIndex + to) }
        }
        return nil
    }
}
