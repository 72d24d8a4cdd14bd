@testable import FTSite
import Foundation
import Testing

/// `.ft-state.json` stores listing pages as columns: what is read back is what was written.
@Suite struct SiteStateTests {
    static func page(_ file: String, kind: String, path: String, title: String, page: Int, pages: Int, total: Int, members: [Int64]) -> SiteState.ListingPage {
        SiteState.ListingPage(file: file, kind: kind, path: path, title: title, intro: "Les experts « \(title) » — ligne 1\nligne 2", page: page, pages: pages, total: total, members: SiteState.PackedIDs(members))
    }

    static func fields(_ page: SiteState.ListingPage) -> [String] {
        [page.file, page.kind, page.path, page.title, page.intro, "\(page.page)", "\(page.pages)", "\(page.total)", page.members.values.map(String.init).joined(separator: ",")]
    }

    @Test func listingPagesReadBackAsWritten() throws {
        let pages = [
            Self.page("experts/index.html", kind: "all", path: "experts/", title: "Tous", page: 1, pages: 2, total: 3, members: [5, 9]),
            Self.page("regions/bretagne/index.html", kind: "region", path: "regions/bretagne/", title: "Bretagne", page: 1, pages: 1, total: 1, members: [9]),
            Self.page("experts/page/2/index.html", kind: "all", path: "experts/", title: "Tous", page: 2, pages: 2, total: 3, members: [12]),
            Self.page("regions/corse/index.html", kind: "region", path: "regions/corse/", title: "Corse", page: 1, pages: 1, total: 0, members: []),
        ]
        let data = try JSONEncoder().encode(SiteState.ListingPages(pages))
        let read = try JSONDecoder().decode(SiteState.ListingPages.self, from: data)
        #expect(read.map(Self.fields) == pages.map(Self.fields))
        // Each listing's title and introduction once, not once per page.
        #expect(String(decoding: data, as: UTF8.self).components(separatedBy: "Tous").count - 1 == 2)
        #expect(try JSONDecoder().decode(SiteState.ListingPages.self, from: JSONEncoder().encode(SiteState.ListingPages([]))).isEmpty)
    }

    @Test func packedIntegersReadBackAsWritten() throws {
        for values in [[], [0], [1, -1, Int64.max, Int64.min, 7_981, 1 << 40]] as [[Int64]] {
            let data = try JSONEncoder().encode([SiteState.PackedIDs(values)])
            #expect(try JSONDecoder().decode([SiteState.PackedIDs].self, from: data).first?.values == values)
        }
        // Little-endian 64-bit values, base64.
        #expect(String(decoding: try JSONEncoder().encode([SiteState.PackedIDs([1, 256])]), as: UTF8.self) == #"["AQAAAAAAAAAAAQAAAAAAAA=="]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([SiteState.PackedIDs].self, from: Data(#"["AQAA"]"#.utf8)) }
    }

    @Test func columnsThatDisagreeAreRefused() throws {
        let pages = [Self.page("experts/index.html", kind: "all", path: "experts/", title: "Tous", page: 1, pages: 1, total: 2, members: [5, 9])]
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(SiteState.ListingPages(pages))) as? [String: Any])
        object["files"] = "experts/index.html\nexperts/page/2/index.html"
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SiteState.ListingPages.self, from: data) }
    }
}
