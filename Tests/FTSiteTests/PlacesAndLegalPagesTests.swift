import FTSite
import Foundation
import Testing

/// What the site needs beyond the experts: the places the search knows (in small files, loaded
/// when a visitor types a place), the legal pages the operator edits, and a favicon.
@Suite struct PlacesAndLegalPagesTests {
    typealias Row = [Any]

    static func rows(_ fixture: SiteFixture, _ key: String) throws -> [Row] {
        let data = try #require(FileManager.default.contents(atPath: fixture.output + "/recherche/lieux/\(key).json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [Row])
    }

    @Test func placesAreCutByNameAndByPostcode() throws {
        let fixture = try SiteFixture(experts: 10, clients: 10)
        try fixture.generate()
        let ly = try Self.rows(fixture, "ly")
        // The most populous first: Lyon, then its arrondissements; each with its postcodes.
        #expect(ly.first?[0] as? String == "Lyon")
        #expect((ly.first?[1] as? String)?.split(separator: " ").contains("69008") == true)
        #expect(ly.first?[4] as? String == "P")
        let latitude = try #require(ly.first?[2] as? Double)
        let longitude = try #require(ly.first?[3] as? Double)
        #expect(abs(latitude - 45.77) < 0.05 && abs(longitude - 4.83) < 0.05)
        #expect(ly.contains { $0[0] as? String == "Lyon 8e Arrondissement" && $0[4] as? String == "A" })
        // By postcode: the file of "75" holds Paris 8e under 75008.
        let paris = try Self.rows(fixture, "cp75")
        #expect(paris.contains { $0[0] as? String == "Paris 8e Arrondissement" && ($0[1] as? String) == "75008" })
        // Accents and articles kept in names, folded in keys: Saint-Étienne under "sa"; L'Île-d'Yeu
        // under "li" and, without its article, "il".
        #expect(try Self.rows(fixture, "sa").contains { $0[0] as? String == "Saint-Étienne" })
        #expect(try Self.rows(fixture, "li").contains { $0[0] as? String == "L'Île-d'Yeu" })
        #expect(try Self.rows(fixture, "il").contains { $0[0] as? String == "L'Île-d'Yeu" })
        // Small: no file a visitor loads is large (the whole list is about 440 KB).
        let sizes = try fixture.files().filter { $0.key.hasPrefix("recherche/lieux/") }.map(\.value.count)
        #expect(sizes.count > 100)
        #expect(sizes.max() ?? 0 < 100_000, "largest places file: \(sizes.max() ?? 0) bytes")
        // The experts' index does not carry places.
        #expect(try !fixture.read("recherche/index.json").contains("\"places\""))
    }

    /// Every place is in the file its name leads to, and no file is empty: one place without
    /// coordinates (Lanester's town hall is an empty point in the source) once emptied the
    /// whole "la" file.
    @Test func everyPlaceIsInTheFileItsNameLeadsTo() throws {
        let fixture = try SiteFixture(experts: 10, clients: 10)
        try fixture.generate()
        let text = try String(contentsOfFile: SiteFixture.templates + "/data/places.tsv", encoding: .utf8)
        var files: [String: Set<String>] = [:]
        for (path, data) in try fixture.files() where path.hasPrefix("recherche/lieux/") {
            let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [Row], "\(path)")
            #expect(!rows.isEmpty, "\(path) is empty")
            files[path] = Set(rows.compactMap { $0[0] as? String })
        }
        var names = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = String(line.split(separator: "\t")[0])
            names += 1
            // The key as search.js makes it: NFD, marks dropped, lowercase, letters and digits.
            var unmarked = String.UnicodeScalarView()
            unmarked.append(contentsOf: name.decomposedStringWithCanonicalMapping.unicodeScalars.filter { !(0x300...0x36F).contains($0.value) })
            let key = String(String(unmarked).lowercased().filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }.prefix(2))
            #expect(files["recherche/lieux/\(key).json"]?.contains(name) == true, "\(name) is not in \(key).json")
        }
        #expect(names > 9_000)
    }

    @Test func legalPagesComeFromTheOperatorsMarkdown() throws {
        let fixture = try SiteFixture(experts: 10, clients: 10)
        try fixture.generate()
        for (path, title) in [("mentions-legales", "Mentions légales"), ("cgu", "Conditions générales d'utilisation"), ("confidentialite", "Politique de confidentialité")] {
            let page = try fixture.read(path + "/index.html")
            #expect(page.contains("<h1>\(title.replacingOccurrences(of: "'", with: "&#39;"))</h1>") || page.contains("<h1>\(title)</h1>"), "\(path): \(page.prefix(300))")
            #expect(page.contains("<title>"))
            #expect(try fixture.read("sitemap.xml").contains("/\(path)/"))
        }
        // A GFM table, rendered; the data sources credited.
        #expect(try fixture.read("confidentialite/index.html").contains("<table>"))
        #expect(try fixture.read("mentions-legales/index.html").contains("Insee"))
        // Every page links to them.
        for page in ["index.html", "recherche/index.html", "404.html"] {
            let html = try fixture.read(page)
            #expect(html.contains("href=\"/mentions-legales/\"") && html.contains("href=\"/cgu/\"") && html.contains("href=\"/confidentialite/\""), "\(page)")
        }
    }

    @Test func aFaviconIsAnIconFileHoldingTheAppsIcon() throws {
        let fixture = try SiteFixture(experts: 10, clients: 10)
        try fixture.generate()
        let icon = try #require(FileManager.default.contents(atPath: fixture.output + "/favicon.ico"))
        #expect(Array(icon.prefix(6)) == [0, 0, 1, 0, 1, 0])
        let offset = Int(icon[18]) | Int(icon[19]) << 8
        #expect(Array(icon[offset..<offset + 8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try fixture.read("index.html").contains("rel=\"icon\""))
    }
}
