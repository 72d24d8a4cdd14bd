import FTModel
import FTSite
@testable import FTStore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GRDB
import Testing

/// Collects the text of every element with a given name.
private final class ElementCollector: NSObject, XMLParserDelegate {
    let name: String
    var values: [String] = []
    private var current: String?

    init(name: String) { self.name = name }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if elementName == name { current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        current? += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == name, let current { values.append(current) }
        if elementName == name { current = nil }
    }

    static func values(of name: String, in data: Data) throws -> [String] {
        let parser = XMLParser(data: data)
        let collector = ElementCollector(name: name)
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        return collector.values
    }
}

@Suite struct FeedsAndPrivacyTests {
    @Test func theSitemapListsExactlyThePublishedExperts() throws {
        let fixture = try SiteFixture()
        try fixture.generate()
        let locations = try ElementCollector.values(of: "loc", in: Data(contentsOf: URL(fileURLWithPath: fixture.output + "/sitemap.xml")))
        let prefix = "https://ft.example/experts/"
        let profiles = Set(locations.filter { $0.hasPrefix(prefix) && !$0.hasPrefix(prefix + "page/") && $0 != prefix }
            .map { String($0.dropFirst(prefix.count).dropLast()) })
        #expect(profiles == (try fixture.publishedSlugs()))
        #expect(locations.contains("https://ft.example/"))
        #expect(Set(locations).count == locations.count, "no duplicate")
        // Every listed page exists.
        for location in locations {
            let path = String(location.dropFirst("https://ft.example/".count))
            #expect(FileManager.default.fileExists(atPath: fixture.output + "/" + path + (path.hasSuffix("/") || path.isEmpty ? "index.html" : "")), "\(location) is missing")
        }
    }

    @Test func theAtomFeedListsThePublishedExpertsNewestFirst() throws {
        let fixture = try SiteFixture()
        try fixture.generate()
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture.output + "/flux/nouveaux-experts.xml"))
        let ids = try ElementCollector.values(of: "id", in: data).dropFirst()  // the first is the feed's own
        let prefix = "https://ft.example/experts/"
        let slugs = ids.map { String($0.dropFirst(prefix.count).dropLast()) }
        let published = try fixture.publishedSlugs()
        #expect(Set(slugs) == published, "fewer than 50 published experts: the feed lists them all")
        #expect(slugs.count == published.count)
        let expected = try fixture.database.writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT e.slug FROM expert e JOIN user u ON u.id = e.userId
                WHERE e.approval = 'approved' AND e.active AND u.active ORDER BY e.approvedAt DESC
                """)
        }
        #expect(slugs == expected)
        let updated = try ElementCollector.values(of: "updated", in: data)
        #expect(updated.allSatisfy { $0.count == 20 && $0.hasSuffix("Z") })

        // Its readable page lists the same experts in the same order, links to the feed, and is
        // what the menu of every page opens (not the XML).
        let page = try fixture.read("flux/index.html")
        let cards = page.components(separatedBy: "<h3><a href=\"/experts/").dropFirst().map { String($0.prefix { $0 != "/" }) }
        #expect(cards == expected)
        #expect(page.contains("href=\"/flux/nouveaux-experts.xml\" type=\"application/atom+xml\""))
        #expect(page.contains("value=\"https://ft.example/flux/nouveaux-experts.xml\""))
        #expect(try fixture.read("index.html").contains("<a href=\"/flux/\">Nouveaux experts</a>"))
    }

    @Test func noPrivateDataReachesThePublicFolder() throws {
        let fixture = try SiteFixture()
        try fixture.generate()
        let secrets: [String] = try fixture.database.writer.read { db in
            var values: [String] = []
            values += try String.fetchAll(db, sql: "SELECT DISTINCT email FROM user")
            values += try String.fetchAll(db, sql: "SELECT passwordHash FROM user WHERE passwordHash IS NOT NULL")
            values += try String.fetchAll(db, sql: "SELECT phone FROM user WHERE phone IS NOT NULL")
            values += try String.fetchAll(db, sql: "SELECT companyName FROM client")
            values += try String.fetchAll(db, sql: "SELECT siren FROM client")
            values += try String.fetchAll(db, sql: "SELECT DISTINCT body FROM message WHERE length(body) >= 25")
            values += try String.fetchAll(db, sql: "SELECT id FROM document")
            values += try String.fetchAll(db, sql: "SELECT DISTINCT fileName FROM documentVersion")
            values += try String.fetchAll(db, sql: "SELECT sha256 FROM documentVersion")
            values += try String.fetchAll(db, sql: "SELECT DISTINCT title FROM notification")
            return values
        }
        #expect(secrets.count > 300)
        let files = try fixture.files()
        #expect(files.count > 50)
        // One byte search per secret over all files joined (String.contains is too slow here).
        let everything = files.keys.sorted().reduce(into: Data()) { $0.append(files[$1] ?? Data()); $0.append(0) }
        for secret in Set(secrets) {
            let escaped = secret.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")
            #expect(everything.range(of: Data(secret.utf8)) == nil && everything.range(of: Data(escaped.utf8)) == nil, "the public folder contains private data: \(secret)")
        }
    }
}
