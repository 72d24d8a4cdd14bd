internal import Crypto
internal import Foundation

/// What a build leaves beside the site (`.ft-state.json`) so that the next one can re-render only
/// the pages that show a changed expert: which database and change it was built from, which
/// inputs, and where each expert appears (listing pages, other experts' "similar" lists, the
/// home page, the feed, its row in the search files).
struct SiteState: Codable {
    static let fileName = ".ft-state.json"
    /// 2: listing pages stored as columns (`ListingPages`); 3: search rows kept beside the state.
    static let currentVersion = 3

    struct ListingPage: Codable {
        /// The file, e.g. `regions/bretagne/page/2/index.html`.
        var file: String
        var kind: String
        /// The listing's folder, e.g. `regions/bretagne/`.
        var path: String
        var title: String
        var intro: String
        var page: Int
        var pages: Int
        /// Experts in the whole listing.
        var total: Int
        /// Expert ids on this page, in order.
        var members: PackedIDs
    }

    /// A rating total among the candidates for the home page's top-rated list.
    struct Candidate: Codable, Equatable {
        var id: Int64
        var total: Int
        var count: Int
    }

    var version = Self.currentVersion
    /// The database file (`siteEpoch`) and the newest change (`siteChange.seq`) the site shows.
    var epoch: String
    var changeSeq: Int64
    /// Fingerprint of the templates, strings, assets, configuration and generator binary.
    var inputs: String
    /// Files of the site, as listed in `.ft-manifest`.
    var fileCount: Int
    /// Published experts, in listing order.
    var order: PackedIDs
    var listingPages: ListingPages
    /// Aligned with `order`: each expert's similar experts, `similarSlots` per expert, 0 for none.
    var similar: PackedIDs
    static let similarSlots = 4
    var topRated: [Int64]
    /// Experts ranked above every expert not listed here (by average, count, listing position),
    /// with their totals: the top-rated list is found among them after a rating changes.
    var candidates: [Candidate]
    var newest: [Int64]
    /// Experts in the Atom feed.
    var feed: [Int64]
    var regionPaths: [String: String]
    /// Experts per product id (the home page's counts).
    var productCounts: [String: Int]
    /// SHA-256 of the search rows kept beside the state (`SearchIndex.rowsFileName`), aligned
    /// with `order`.
    var searchRows: String

    static func digest(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// A list of integers stored as base64 of little-endian 64-bit values: JSON arrays of tens of
    /// thousands of numbers took most of a targeted build's time to decode.
    struct PackedIDs: Codable, Equatable, Sequence {
        var values: [Int64]

        init(_ values: [Int64]) { self.values = values }

        init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let data = Data(base64Encoded: text), data.count % 8 == 0 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not packed integers"))
            }
            // One copy of the bytes, then the byte order fixed in place (nothing to fix on
            // little-endian machines).
            var values = [Int64](repeating: 0, count: data.count / 8)
            values.withUnsafeMutableBytes { target in data.withUnsafeBytes { target.copyMemory(from: $0) } }
            for index in values.indices { values[index] = Int64(littleEndian: values[index]) }
            self.values = values
        }

        func encode(to encoder: any Encoder) throws {
            let data = values.map(\.littleEndian).withUnsafeBytes { Data($0) }
            var container = encoder.singleValueContainer()
            try container.encode(data.base64EncodedString())
        }

        func makeIterator() -> IndexingIterator<[Int64]> { values.makeIterator() }
        var count: Int { values.count }
        subscript(index: Int) -> Int64 { values[index] }
    }

    /// The similar experts of the expert at `position` in `order`.
    func similar(at position: Int) -> [Int64] {
        (position * Self.similarSlots..<(position + 1) * Self.similarSlots).compactMap { similar[$0] == 0 ? nil : similar[$0] }
    }

    static func packSimilar(_ lists: [[Int64]]) -> PackedIDs {
        PackedIDs(lists.flatMap { list in (0..<similarSlots).map { $0 < list.count ? list[$0] : 0 } })
    }

    static func load(from directory: String) -> SiteState? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName),
            let state = try? JSONDecoder().decode(SiteState.self, from: data), state.version == currentVersion
        else { return nil }
        return state
    }

    func save(to directory: String) throws {
        try Self.save(try JSONEncoder().encode(self), to: directory)
    }

    /// Saves a state already encoded.
    static func save(_ encoded: Data, to directory: String) throws {
        try SiteWriter.replace(directory + "/" + fileName, with: encoded)
    }

    static func remove(from directory: String) {
        unlink(directory + "/" + fileName)
    }

    /// A fingerprint of everything besides the database that a page's bytes depend on.
    static func fingerprint(templates: SiteTemplates, configuration: SiteConfiguration) -> String {
        var hash = SHA256()
        func add(_ text: String) { hash.update(data: Data((text + "\u{0}").utf8)) }
        add("\(configuration.baseURL) \(configuration.pageSize) \(configuration.locale) \(configuration.answeredSince.timeIntervalSince1970)")
        add(templates.sourceDigest)
        // The generator itself: another build of `ft` may render differently.
        if let executable = Bundle.main.executablePath {
            var info = stat()
            if stat(executable, &info) == 0 { add("\(executable) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)") }
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
