internal import CArchive
public import Foundation

/// Reads a zstd-compressed tar stream (only that: no other format or filter is accepted) from a
/// source the caller gives, piece by piece — a decrypting reader, say. Entries come one at a time;
/// the caller decides from each header whether to read, skip or refuse it before anything is
/// decompressed, which is what keeps a bomb from being expanded.
public final class TarReader {
    public struct Entry: Sendable {
        public var name: String
        /// The size the header announces (nil if it announces none).
        public var size: Int?
    }

    private var archive: OpaquePointer?
    fileprivate let source: () throws -> Data?
    fileprivate var sourceError: (any Error)?
    /// The bytes handed to libarchive last: they must stay put until the next read.
    fileprivate var current = Data()

    public init(source: @escaping () throws -> Data?) throws {
        self.source = source
        guard let archive = archive_read_new() else { throw ArchiveError("libarchive could not start a reader") }
        self.archive = archive
        archive_read_support_format_tar(archive)
        archive_read_support_filter_zstd(archive)
        let context = Unmanaged.passUnretained(self).toOpaque()
        let opened = archive_read_open(archive, context, nil, { _, context, buffer in
            guard let context, let buffer else { return -1 }
            let reader = Unmanaged<TarReader>.fromOpaque(context).takeUnretainedValue()
            do {
                reader.current = try reader.source() ?? Data()
            } catch {
                if reader.sourceError == nil { reader.sourceError = error }
                return -1
            }
            return reader.current.withUnsafeBytes { bytes in
                buffer.pointee = bytes.baseAddress
                return la_ssize_t(bytes.count)
            }
        }, nil)
        guard opened == ARCHIVE_OK else {
            let message = ArchiveError.message(archive)
            archive_read_free(archive)
            self.archive = nil
            throw sourceError ?? ArchiveError("not a tar.zst archive: \(message)")
        }
    }

    deinit {
        if let archive { archive_read_free(archive) }
    }

    private func failure(_ what: String) -> any Error {
        sourceError ?? ArchiveError("\(what): \(ArchiveError.message(archive))")
    }

    /// The next entry's header, or nil at the end of the archive.
    public func next() throws -> Entry? {
        guard let archive else { throw ArchiveError("the archive is closed") }
        var entry: OpaquePointer?
        let status = archive_read_next_header(archive, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw failure("cannot read the next entry") }
        let name = archive_entry_pathname_utf8(entry).map { String(cString: $0) } ?? archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let size = archive_entry_size_is_set(entry) != 0 ? Int(archive_entry_size(entry)) : nil
        return Entry(name: name, size: size)
    }

    /// The current entry's data, in pieces of at most `pieceSize` bytes.
    /// Throws if the entry gives more than `limit` bytes.
    public func readData(pieceSize: Int = 1 << 20, limit: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let archive else { throw ArchiveError("the archive is closed") }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: pieceSize, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let count = archive_read_data(archive, buffer.baseAddress, pieceSize)
            guard count >= 0 else { throw failure("cannot read an entry's data") }
            if count == 0 { return }
            total += count
            guard total <= limit else { throw ArchiveError("an entry gives more than the \(limit) bytes it may hold") }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// The next piece (at most `maximum` bytes) of the current entry's data, nil at its end.
    public func readPiece(maximum: Int = 1 << 20) throws -> Data? {
        guard let archive else { throw ArchiveError("the archive is closed") }
        var data = Data(count: maximum)
        let count = data.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, maximum) }
        guard count >= 0 else { throw failure("cannot read an entry's data") }
        guard count > 0 else { return nil }
        data.count = count
        return data
    }

    /// Reads the current entry's data into memory (at most `limit` bytes).
    public func readData(limit: Int) throws -> Data {
        var data = Data()
        try readData(pieceSize: 64 << 10, limit: limit) { data.append(contentsOf: $0) }
        return data
    }

    /// Skips the current entry's data.
    public func skipData() throws {
        guard let archive else { throw ArchiveError("the archive is closed") }
        guard archive_read_data_skip(archive) == ARCHIVE_OK else { throw failure("cannot skip an entry") }
    }
}
