@testable import FTSite
import FTModel
import Foundation
import Testing

/// The search page's files as `search.js` reads them: columns of bytes, names, slugs only where the
/// name does not make them, word files by their first two characters.
@Suite struct SearchFilesTests {
    static let products = [
        EligibleProduct(code: "TICPE", name: "Remboursement TICPE", category: .tax, description: "", slaDays: 30),
        EligibleProduct(code: "CEE", name: "Certificats d'économies d'énergie", category: .energy, description: "", slaDays: 30),
    ]

    static func row(_ name: String, slug: String, city: String = "Lyon", latitude: Double = 45.764, longitude: Double = 4.8357, products: [String] = ["TICPE"], text: String) -> SearchRow {
        SearchRow(
            slug: slug, name: name, city: city, region: "Auvergne-Rhône-Alpes", latitude: latitude, longitude: longitude,
            ratingTenths: 46, reviews: 300, products: products, languages: ["fr", "en"], responseHours: 4, text: text
        )
    }

    static func json<T>(_ files: [String: Data], _ path: String, as type: T.Type) throws -> T {
        let data = try #require(files[path])
        return try #require(try JSONSerialization.jsonObject(with: data) as? T)
    }

    @Test func columnsHoldEachExpertsFacets() throws {
        let rows = [
            Self.row("Éric Adam", slug: "eric-adam", text: "eric adam conseil ticpe lyon"),
            Self.row("Éric Adam", slug: "eric-adam-2", city: "Nouméa", latitude: -22.2758, longitude: 166.458, products: ["CEE", "INCONNU"], text: "eric adam energie noumea"),
            Self.row("Éric Adam", slug: "eric-adam-conseil", text: "eric adam"),
        ]
        let files = SearchFiles.files(rows: rows, products: Self.products)
        let index = try Self.json(files, SearchFiles.indexPath, as: [String: Any].self)
        #expect(index["count"] as? Int == 3)
        #expect(index["names"] as? [String] == ["Éric Adam", "Éric Adam", "Éric Adam"])
        // The first slug is the name's, the second the name's with a number (in the facets), the
        // third neither: only it is written.
        #expect(index["slugs"] as? [String: String] == ["2": "eric-adam-conseil"])
        let layout = try #require(index["layout"] as? [[Any]])
        #expect(layout.map { $0[0] as? String } == ["city", "suffix", "rating", "reviews", "hours", "products", "languages"])
        let facets = [UInt8](try #require(files[SearchFiles.facetsPath]))
        #expect(facets.count == 3 * (2 + 1 + 1 + 2 + 2 + 1 + 2))
        // Towns 0, 1, 0 (Lyon, Nouméa, Lyon), in two planes.
        #expect(Array(facets[0..<6]) == [0, 1, 0, 0, 0, 0])
        #expect(Array(facets[6..<9]) == [0, 2, 0])
        // Planes: reviews 300 = 0x012C is 0x2C then 0x01 for each expert.
        #expect(Array(facets[12..<18]) == [0x2C, 0x2C, 0x2C, 0x01, 0x01, 0x01])
        // Products: TICPE (bit 0) for the first, CEE (bit 1) for the second; the unknown code is dropped.
        #expect(Array(facets[24..<26]) == [0b01, 0b10])
        // Languages fr (bit 0) and en (bit 1).
        #expect(Array(facets[27..<30]) == [0b11, 0b11, 0b11])
        // Two towns with their region, each its own reference point: every offset is 0.
        let cities = try #require(index["cities"] as? [[Any]])
        #expect(cities.map { $0[0] as? String } == ["Lyon", "Nouméa"])
        #expect(cities.last?[1] as? Int == 0 && cities.last?[2] as? Int == -222_758)
        #expect([UInt8](try #require(files[SearchFiles.coordinatesPath])) == [UInt8](repeating: 0, count: 12))
    }

    @Test func aTownsExpertsAreOffsetsFromItsReferencePoint() throws {
        let rows = [
            Self.row("A B", slug: "a-b", latitude: 45.7640, text: "a"),
            Self.row("C D", slug: "c-d", latitude: 45.7541, longitude: 4.8457, text: "c"),
            // Too far for 16 bits: a second reference point of the same name.
            Self.row("E F", slug: "e-f", latitude: 50.0, text: "e"),
        ]
        let files = SearchFiles.files(rows: rows, products: Self.products)
        let index = try Self.json(files, SearchFiles.indexPath, as: [String: Any].self)
        let cities = try #require(index["cities"] as? [[Any]])
        #expect(cities.count == 2)
        let bytes = [UInt8](try #require(files[SearchFiles.coordinatesPath]))
        let latitude = Int16(bitPattern: UInt16(bytes[1]) | UInt16(bytes[3 + 1]) << 8)
        let longitude = Int16(bitPattern: UInt16(bytes[6 + 1]) | UInt16(bytes[9 + 1]) << 8)
        #expect(latitude == -99 && longitude == 100)
    }

    @Test func wordFilesListEachWordsExpertsAsDifferences() throws {
        let rows = (0..<5).map { Self.row("N \($0)", slug: "n-\($0)", text: $0.isMultiple(of: 2) ? "audit urssaf de la ticpe" : "audit œuvre") }
        let files = SearchFiles.files(rows: rows, products: Self.products)
        let au = try Self.json(files, "recherche/mots/au.json", as: [String: [Int]].self)
        #expect(au["audit"] == [0, 1, 1, 1, 1])
        let ti = try Self.json(files, "recherche/mots/ti.json", as: [String: [Int]].self)
        #expect(ti["ticpe"] == [0, 2, 2])
        // Stop words have no file; a word that does not start with two ASCII letters is named by its code points.
        #expect(files["recherche/mots/de.json"] == nil && files["recherche/mots/la.json"] == nil)
        #expect(files["recherche/mots/u153-75.json"] != nil)
        let index = try Self.json(files, SearchFiles.indexPath, as: [String: Any].self)
        #expect(index["words"] as? [String] == ["au", "ti", "u153-75", "ur"])
    }

    @Test func wordsAreTheRunsOfLettersAndDigitsWhateverTheScript() {
        // The byte path (ASCII) and the character path find the same runs.
        for text in ["remboursement ticpe, cir/cii 2024 : 30 % a-b", "  x  ab  ", "", "l'expert-comptable du 69"] {
            let byCharacters = text.split { !($0.isLetter || $0.isNumber) }.filter { $0.unicodeScalars.count >= 2 && !SearchFiles.stopWords.contains(String($0)) }
            #expect(SearchFiles.words(text) == byCharacters, "\(text)")
        }
        #expect(SearchFiles.words("mise en œuvre du cir, مرحبا 42") == ["mise", "œuvre", "cir", "مرحبا", "42"])
    }

    @Test func slugsAreMadeAsTheBrowserMakesThem() {
        #expect(SearchFiles.slug(of: "Éric Adam") == "eric-adam")
        #expect(SearchFiles.slug(of: "  Anne-Sophie  L'Hôte ") == "anne-sophie-l-hote")
        #expect(SearchFiles.slug(of: "<img src=x>Piège") == "img-src-x-piege")
    }

    @Test func rowsSurviveTheirFileEvenWithTabsAndLineBreaks() throws {
        var row = Self.row("Jean\tValjean", slug: "jean-valjean", text: "jean\nvaljean")
        let decoded = try #require(SearchIndex.decode(SearchIndex.encode([row, row])))
        row.name = "Jean Valjean"
        row.text = "jean valjean"
        #expect(decoded == [row, row])
        #expect(SearchIndex.decode(Data("pas une ligne".utf8)) == nil)
    }
}
