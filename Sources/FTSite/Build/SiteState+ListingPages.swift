internal import Foundation

extension SiteState {
    /// The listing pages, in build order. In memory one value per page; on disk each listing's
    /// own fields once and the pages as columns: as one keyed object per page (about 2,000 of
    /// them, each repeating its listing's title and introduction) the state took 45 % of a
    /// targeted build's time to decode and encode again.
    struct ListingPages: Codable, RandomAccessCollection {
        var pages: [ListingPage]

        init(_ pages: [ListingPage]) {
            self.pages = pages
        }

        var startIndex: Int { pages.startIndex }
        var endIndex: Int { pages.endIndex }
        subscript(position: Int) -> ListingPage { pages[position] }

        /// A listing's fields, the same on each of its pages.
        private struct Listing: Codable, Hashable {
            var kind: String
            var path: String
            var title: String
            var intro: String
            var pages: Int
            var total: Int
        }

        private struct Columns: Codable {
            var listings: [Listing]
            /// Each page's file, one per line.
            var files: String
            /// Per page: its listing (an index in `listings`), its number, how many members it has.
            var listing: PackedIDs
            var page: PackedIDs
            var memberCounts: PackedIDs
            /// Every page's members, one page after the other.
            var members: PackedIDs
        }

        init(from decoder: any Decoder) throws {
            let columns = try Columns(from: decoder)
            let files = columns.files.isEmpty ? [] : columns.files.split(separator: "\n", omittingEmptySubsequences: false)
            let count = files.count
            guard columns.listing.count == count, columns.page.count == count, columns.memberCounts.count == count,
                columns.memberCounts.values.reduce(0, +) == Int64(columns.members.count)
            else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "listing page columns of different lengths"))
            }
            var pages: [ListingPage] = []
            pages.reserveCapacity(count)
            var next = 0
            for index in 0..<count {
                let listingIndex = Int(columns.listing[index])
                let members = Int(columns.memberCounts[index])
                guard columns.listings.indices.contains(listingIndex), members >= 0 else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "listing page \(index) names no listing"))
                }
                let listing = columns.listings[listingIndex]
                pages.append(ListingPage(
                    file: String(files[index]), kind: listing.kind, path: listing.path, title: listing.title, intro: listing.intro,
                    page: Int(columns.page[index]), pages: listing.pages, total: listing.total,
                    members: PackedIDs(Array(columns.members.values[next..<next + members]))
                ))
                next += members
            }
            self.pages = pages
        }

        func encode(to encoder: any Encoder) throws {
            var listings: [Listing] = []
            var known: [Listing: Int] = [:]
            var listingColumn: [Int64] = []
            var members: [Int64] = []
            listingColumn.reserveCapacity(pages.count)
            for page in pages {
                let listing = Listing(kind: page.kind, path: page.path, title: page.title, intro: page.intro, pages: page.pages, total: page.total)
                let index = known[listing] ?? {
                    listings.append(listing)
                    known[listing] = listings.count - 1
                    return listings.count - 1
                }()
                listingColumn.append(Int64(index))
                members.append(contentsOf: page.members.values)
            }
            try Columns(
                listings: listings, files: pages.map(\.file).joined(separator: "\n"), listing: PackedIDs(listingColumn),
                page: PackedIDs(pages.map { Int64($0.page) }), memberCounts: PackedIDs(pages.map { Int64($0.members.count) }),
                members: PackedIDs(members)
            ).encode(to: encoder)
        }
    }
}
