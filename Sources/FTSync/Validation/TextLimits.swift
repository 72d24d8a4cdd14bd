#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Checks on texts of any size that look at no more of them than they need: a pushed field can
/// be megabytes long, and walking it character by character (grapheme breaking) or element by
/// element (a debug build's generic iterators) took a core for a second on the push's path.
extension String {
    /// Whether the text holds a NUL byte (SQLite's C strings end there).
    public var containsNUL: Bool {
        var text = self
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0, bytes.count) != nil
        }
    }

    /// Whether the text has more than `limit` characters, counting at most `limit + 1` of them.
    public func hasMoreCharacters(than limit: Int) -> Bool {
        // A character is at least one byte.
        guard utf8.count > limit else { return false }
        guard let last = index(startIndex, offsetBy: limit, limitedBy: endIndex) else { return false }
        return last < endIndex
    }
}
