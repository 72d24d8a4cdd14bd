internal import Foundation
internal import FTModel
internal import FTStore

/// The files the search page loads, made from the rows (`SearchIndex`). A query loads only what
/// it needs, all at once: on the 10,000-expert site the first results of any query come after
/// less than 150 KB (compressed), where one file of everything was 381 KB.
///
/// - `recherche/index.json`, for every query: the tables (products, categories, regions,
///   languages, towns with their region and a reference point), each expert's name in listing
///   order, the slugs not made from the name (`slug(of:)`, with the suffix of `facettes.bin`),
///   the layout of `facettes.bin`, the stop words and the keys of the word files.
/// - `recherche/facettes.bin`, for every query: byte columns one after another, each `count`
///   bytes, in the order and widths of `layout`; a column `width` bytes wide is `width` planes,
///   least significant first (town index; the slug's number suffix, 0 for none: "chloe-adam-2";
///   rating × 10; reviews; response hours; then bit sets of product and language indexes, 8 per
///   plane). Planes compress far better than interleaved records.
/// - `recherche/coordonnees.bin`, for a query near a place: latitude and longitude as
///   ten-thousandths of a degree relative to the town's reference point, each a 16-bit
///   two's-complement number in two planes (latitude low, high, longitude low, high).
/// - `recherche/mots/<key>.json`, for a query with words: every word of the experts' texts that
///   starts with the key (its first two characters, `wordKey`), with the listing positions of the
///   experts whose text holds it, as differences (`{"ticpe":[3,1,7,…]}`).
enum SearchFiles {
    static let indexPath = "recherche/index.json"
    static let facetsPath = "recherche/facettes.bin"
    static let coordinatesPath = "recherche/coordonnees.bin"
    static let wordsFolder = "recherche/mots/"
    /// Words too common to find anything: left out of the word files and of queries.
    static let stopWords: Set<String> = ["au", "aux", "avec", "dans", "de", "des", "du", "en", "et", "la", "le", "les", "ou", "par", "pour", "sur", "un", "une"]
    /// A town's region index when the expert has none.
    static let noRegion = -1

    /// Every file, by path under the output folder.
    static func files(rows: [SearchRow], products: [EligibleProduct]) -> [String: Data] {
        let count = rows.count
        let categories = ProductCategory.allCases.map(\.rawValue)
        let regions = FrenchCollation.sorted(Set(rows.map(\.region)).filter { !$0.isEmpty })
        let regionIndex = Dictionary(uniqueKeysWithValues: regions.enumerated().map { ($1, $0) })
        let productIndex = Dictionary(products.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { first, _ in first })
        let languages = FrenchFormat.languageCodes
        let languageIndex = Dictionary(uniqueKeysWithValues: languages.enumerated().map { ($1, $0) })
        let productPlanes = max(1, (products.count + 7) / 8)
        let languagePlanes = max(1, (languages.count + 7) / 8)
        let layout: [(name: String, width: Int)] = [
            ("city", 2), ("suffix", 1), ("rating", 1), ("reviews", 2), ("hours", 2), ("products", productPlanes), ("languages", languagePlanes),
        ]

        var facets = [UInt8](repeating: 0, count: count * layout.reduce(0) { $0 + $1.width })
        var coordinates = [UInt8](repeating: 0, count: count * 4)
        var columnStart: [String: Int] = [:]
        var at = 0
        for column in layout {
            columnStart[column.name] = at
            at += column.width * count
        }
        func put(_ column: String, row: Int, _ value: Int, width: Int = 2) {
            let start = columnStart[column] ?? 0
            let clamped = min(max(value, 0), (1 << (8 * width)) - 1)
            for plane in 0..<width { facets[start + plane * count + row] = UInt8((clamped >> (8 * plane)) & 0xFF) }
        }
        func setBit(_ column: String, row: Int, _ bit: Int) {
            let start = columnStart[column] ?? 0
            facets[start + (bit / 8) * count + row] |= UInt8(1 << (bit % 8))
        }

        var cities: [(name: String, region: Int, latitude: Int, longitude: Int)] = []
        var citiesByName: [String: [Int]] = [:]
        var slugs: [String: String] = [:]
        var postings: [String: [Int]] = [:]
        for (position, row) in rows.enumerated() {
            // The town: one of the same name and region whose reference point is within 16 bits of
            // the expert's position.
            let region = regionIndex[row.region] ?? noRegion
            let latitude = tenThousandths(row.latitude)
            let longitude = tenThousandths(row.longitude)
            let city = citiesByName[row.city, default: []].first {
                cities[$0].region == region && abs(cities[$0].latitude - latitude) <= 32_767 && abs(cities[$0].longitude - longitude) <= 32_767
            }
                ?? {
                    cities.append((row.city, region, latitude, longitude))
                    citiesByName[row.city, default: []].append(cities.count - 1)
                    return cities.count - 1
                }()
            put("city", row: position, city)
            for (plane, value) in [latitude - cities[city].latitude, longitude - cities[city].longitude].enumerated() {
                let bits = UInt16(bitPattern: Int16(value))
                coordinates[(2 * plane) * count + position] = UInt8(bits & 0xFF)
                coordinates[(2 * plane + 1) * count + position] = UInt8(bits >> 8)
            }
            put("rating", row: position, row.ratingTenths, width: 1)
            put("reviews", row: position, row.reviews)
            put("hours", row: position, row.responseHours)
            for code in row.products { if let index = productIndex[code] { setBit("products", row: position, index) } }
            for code in row.languages { if let index = languageIndex[code] { setBit("languages", row: position, index) } }
            let made = slug(of: row.name)
            if row.slug != made {
                if let suffix = Int(row.slug.dropFirst(made.count + 1)), (2...255).contains(suffix), row.slug == "\(made)-\(suffix)" {
                    put("suffix", row: position, suffix, width: 1)
                } else {
                    slugs[String(position)] = row.slug
                }
            }
            for word in Set(words(row.text)) { postings[String(word), default: []].append(position) }
        }

        var byKey: [String: [String]] = [:]
        for word in postings.keys { byKey[wordKey(word), default: []].append(word) }
        var files: [String: Data] = [:]
        for (key, words) in byKey {
            // Written by hand: words are letters and digits only, nothing to escape.
            var out = "{"
            for (number, word) in words.sorted().enumerated() {
                if number > 0 { out += "," }
                out += "\"\(word)\":["
                var previous = 0
                for (index, position) in (postings[word] ?? []).enumerated() {
                    if index > 0 { out += "," }
                    out += String(position - previous)
                    previous = position
                }
                out += "]"
            }
            out += "}"
            files[wordsFolder + key + ".json"] = Data(out.utf8)
        }

        let index: [String: Any] = [
            "v": 2,
            "count": count,
            "categories": categories,
            "products": products.map { [$0.code, $0.name, categories.firstIndex(of: $0.category.rawValue) ?? 0] as [Any] },
            "regions": regions,
            "languages": languages,
            "cities": cities.map { [$0.name, $0.region, $0.latitude, $0.longitude] as [Any] },
            "names": rows.map(\.name),
            "slugs": slugs,
            "layout": layout.map { [$0.name, $0.width] as [Any] },
            "stop": stopWords.sorted(),
            "words": byKey.keys.sorted(),
        ]
        files[indexPath] = (try? JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        files[facetsPath] = Data(facets)
        files[coordinatesPath] = Data(coordinates)
        return files
    }

    /// The words of a folded text, as `search.js` splits a query: runs of letters and digits of at
    /// least two characters, stop words left out.
    static func words(_ text: String) -> [Substring] {
        // ASCII (most folded French text): the same runs found on the bytes, without the Unicode
        // property look-up and grapheme breaking of every character (a quarter of a targeted build).
        let runs = text.utf8.allSatisfy { $0 < 0x80 }
            ? text.utf8.split(whereSeparator: { !Self.isASCIILetterOrDigit($0) }).map { Substring($0) }
            : text.split { !($0.isLetter || $0.isNumber) }
        return runs.filter { $0.unicodeScalars.count >= 2 && !stopWords.contains(String($0)) }
    }

    private static func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// The word file a word is in: its first two characters when they are ASCII letters or digits
    /// ("ti" for "ticpe"), else "u" and their code points in hexadecimal ("u153-75" for "œu…").
    static func wordKey(_ word: String) -> String {
        let first = Array(word.unicodeScalars.prefix(2))
        if first.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) }) { return String(String.UnicodeScalarView(first)) }
        return "u" + first.map { String($0.value, radix: 16) }.joined(separator: "-")
    }

    /// The slug the search page makes from a name when `slugs` has none: accents off, lowercase,
    /// every run of other characters a hyphen ("Éric Adam" → "eric-adam"), exactly as `search.js`
    /// does (decomposition, marks dropped). Not `Slug.make`, which folds with Foundation ("œ" →
    /// "oe"): a name the two make differently would get a link the browser cannot rebuild; any
    /// slug this does not give is written out instead.
    static func slug(of name: String) -> String {
        var out = ""
        var pendingHyphen = false
        for scalar in name.decomposedStringWithCanonicalMapping.lowercased().unicodeScalars {
            if (0x300...0x36F).contains(scalar.value) { continue }
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                if pendingHyphen && !out.isEmpty { out += "-" }
                pendingHyphen = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingHyphen = true
            }
        }
        return out
    }

    private static func tenThousandths(_ degrees: Double) -> Int {
        degrees.isFinite ? Int((degrees * 10_000).rounded()) : 0
    }
}
