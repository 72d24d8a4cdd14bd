internal import CArchive
public import Foundation

/// A zstd-compressed tar stream (pax format, UTF-8 names) written with libarchive to a sink the
/// caller gives: the bytes come out in pieces as they are compressed, so they can be encrypted on
/// the way to disk and nothing needs to be whole in memory.
public final class TarWriter {
    private var archive: OpaquePointer?
    fileprivate let sink: (UnsafeRawBufferPointer) throws -> Void
    /// The first error the sink threw (libarchive only sees "-1").
    fileprivate var sinkError: (any Error)?

    public init(compressionLevel: Int = 3, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        self.sink = sink
        guard let archive = archive_write_new() else { throw ArchiveError("libarchive could not start a tar stream") }
        self.archive = archive
        guard archive_write_set_format_pax_restricted(archive) == ARCHIVE_OK,
            archive_write_add_filter_zstd(archive) == ARCHIVE_OK,
            archive_write_set_filter_option(archive, "zstd", "compression-level", String(compressionLevel)) == ARCHIVE_OK,
            archive_write_set_bytes_in_last_block(archive, 1) == ARCHIVE_OK
        else {
            let message = ArchiveError.message(archive)
            archive_write_free(archive)
            self.archive = nil
            throw ArchiveError("cannot set up a tar.zst stream: \(message)")
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let opened = archive_write_open(archive, context, nil, { _, context, buffer, length in
            guard let context, let buffer else { return -1 }
            let writer = Unmanaged<TarWriter>.fromOpaque(context).takeUnretainedValue()
            do {
                try writer.sink(UnsafeRawBufferPointer(start: buffer, count: length))
                return la_ssize_t(length)
            } catch {
                if writer.sinkError == nil { writer.sinkError = error }
                return -1
            }
        }, nil)
        guard opened == ARCHIVE_OK else {
            let message = ArchiveError.message(archive)
            archive_write_free(archive)
            self.archive = nil
            throw sinkError ?? ArchiveError("cannot open the tar stream: \(message)")
        }
    }

    deinit {
        if let archive { archive_write_free(archive) }
    }

    private func failure(_ what: String) -> any Error {
        sinkError ?? ArchiveError("\(what): \(ArchiveError.message(archive))")
    }

    /// Adds a file of `size` bytes; `write` is called with a sink to give them, in any pieces.
    public func add(_ name: String, size: Int, modified: Date, write: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        guard let archive else { throw ArchiveError("the tar stream is closed") }
        guard let entry = archive_entry_new() else { throw ArchiveError("libarchive could not make an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_size(entry, la_int64_t(size))
        archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG
        archive_entry_set_perm(entry, 0o600)
        archive_entry_set_mtime(entry, time_t(modified.timeIntervalSince1970), 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else { throw failure("cannot add \(name)") }
        var written = 0
        try write { piece in
            guard let base = piece.baseAddress, piece.count > 0 else { return }
            guard written + piece.count <= size else { throw ArchiveError("\(name): more than the \(size) bytes announced") }
            guard archive_write_data(archive, base, piece.count) == piece.count else { throw failure("cannot write \(name)") }
            written += piece.count
        }
        guard written == size else { throw ArchiveError("\(name): \(written) bytes given, \(size) announced") }
    }

    /// Adds a small file from memory.
    public func add(_ name: String, data: Data, modified: Date) throws {
        try add(name, size: data.count, modified: modified) { sink in try data.withUnsafeBytes { try sink($0) } }
    }

    /// Writes the end of the archive and flushes the compressor into the sink.
    public func close() throws {
        guard let archive else { return }
        defer {
            archive_write_free(archive)
            self.archive = nil
        }
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure("cannot finish the tar stream") }
    }
}

/// What libarchive (or a malformed archive) made go wrong.
public struct ArchiveError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    static func message(_ archive: OpaquePointer?) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
