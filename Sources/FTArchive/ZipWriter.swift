internal import CArchive
public import Foundation

/// A zip file written with libarchive, entry by entry: each entry's bytes are given in pieces, so
/// nothing needs to be whole in memory. Names are UTF-8; the caller makes them safe (no `..`, no
/// leading `/`) — `ZipWriter.safeName` helps.
public final class ZipWriter {
    private var archive: OpaquePointer?
    public let path: String

    /// Creates (replacing) the zip file at `path`.
    public init(path: String) throws {
        self.path = path
        guard let archive = archive_write_new() else { throw ArchiveError("libarchive could not start a zip") }
        self.archive = archive
        guard archive_write_set_format_zip(archive) == ARCHIVE_OK,
            archive_write_set_options(archive, "zip:hdrcharset=UTF-8") == ARCHIVE_OK,
            archive_write_open_filename(archive, path) == ARCHIVE_OK
        else {
            let message = ArchiveError.message(archive)
            archive_write_free(archive)
            self.archive = nil
            throw ArchiveError("cannot write \(path): \(message)")
        }
    }

    deinit {
        if let archive { archive_write_free(archive) }
    }

    /// Adds a file of `size` bytes; `write` is called with a sink to give them, in any pieces.
    public func add(_ name: String, size: Int, modified: Date, write: ((Data) throws -> Void) throws -> Void) throws {
        guard let archive else { throw ArchiveError("the zip is closed") }
        guard let entry = archive_entry_new() else { throw ArchiveError("libarchive could not make an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_size(entry, la_int64_t(size))
        archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG (a macro Swift does not import)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_mtime(entry, time_t(modified.timeIntervalSince1970), 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw ArchiveError("cannot add \(name): \(ArchiveError.message(archive))")
        }
        var written = 0
        try write { piece in
            try piece.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress, bytes.count > 0 else { return }
                let result = archive_write_data(archive, base, bytes.count)
                guard result == bytes.count else { throw ArchiveError("cannot write \(name): \(ArchiveError.message(archive))") }
            }
            written += piece.count
        }
        guard written == size else { throw ArchiveError("\(name): \(written) bytes given, \(size) announced") }
    }

    /// Adds a small file from memory.
    public func add(_ name: String, data: Data, modified: Date) throws {
        try add(name, size: data.count, modified: modified) { sink in try sink(data) }
    }

    /// Writes the central directory and closes the file.
    public func close() throws {
        guard let archive else { return }
        defer {
            archive_write_free(archive)
            self.archive = nil
        }
        guard archive_write_close(archive) == ARCHIVE_OK else { throw ArchiveError("cannot finish \(path): \(ArchiveError.message(archive))") }
    }

    /// A name that stays inside the archive: path separators, control characters and leading dots
    /// replaced, at most 120 characters, never empty.
    public static func safeName(_ name: String) -> String {
        var cleaned = String(name.unicodeScalars.map { scalar -> Character in
            scalar == "/" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F || scalar == ":" ? "_" : Character(scalar)
        })
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        cleaned = String(cleaned.prefix(120)).trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? "sans-nom" : cleaned
    }
}
