internal import Foundation

/// The French places the search knows (`site-templates/data/places.tsv`, made by
/// `.ci/places/extract.py`), cut into small files the search page loads only when a visitor types
/// a place: `recherche/lieux/<two letters>.json` by the start of the name ("ly" holds Lyon and its
/// arrondissements) and `recherche/lieux/cp<two digits>.json` by the start of the postcode. The
/// whole list is 438 KB; a query loads one file of a few KB.
///
/// Each file: `[[name, "postcode postcode…", latitude, longitude, kind]]`, the most populous
/// first; `kind` is "P" for a préfecture, "A" for an arrondissement of Paris, Lyon or Marseille.
enum PlaceShards {
    struct Place {
        var name: String
        var postcodes: [String]
        var latitude: Double
        var longitude: Double
        var kind: String
    }

    /// The places of a `places.tsv`, in its order (most populous first). Lines starting with `#`
    /// are comments.
    static func parse(_ text: String, file: String) throws -> [Place] {
        var places: [Place] = []
        // On the bytes (tabs and newlines): by characters, this was a tenth of every build.
        for (number, bytes) in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !bytes.isEmpty && bytes.first != 0x23 {
            let line = Substring(bytes)
            let fields = line.utf8.split(separator: 0x09, omittingEmptySubsequences: false).map { Substring($0) }
            guard fields.count >= 7, let latitude = Double(fields[3]), let longitude = Double(fields[4]) else {
                throw SiteError.unreadable(file, reason: "line \(number + 1) is not name, postcodes, département, latitude, longitude, population, kind separated by tabs")
            }
            guard (-90...90).contains(latitude), (-180...180).contains(longitude) else {
                throw SiteError.unreadable(file, reason: "line \(number + 1) (\(fields[0])): latitude \(fields[3]) and longitude \(fields[4]) are not coordinates")
            }
            places.append(Place(name: String(fields[0]), postcodes: fields[1].split(separator: " ").map(String.init), latitude: latitude, longitude: longitude, kind: String(fields[6])))
        }
        return places
    }

    /// The files to write, by path under the output folder.
    static func files(_ places: [Place]) -> [String: Data] {
        var shards: [String: [Int]] = [:]
        for (index, place) in places.enumerated() {
            // "Le Mans" is found as "le mans" and as "mans".
            for key in Set([nameKey(place.name), nameKey(withoutArticle(place.name))]) where !key.isEmpty {
                shards[key, default: []].append(index)
            }
            for prefix in Set(place.postcodes.map { "cp" + $0.prefix(2) }) {
                shards[prefix, default: []].append(index)
            }
        }
        var files: [String: Data] = [:]
        for (key, members) in shards {
            let rows: [[Any]] = members.map { index in
                let place = places[index]
                return [place.name, place.postcodes.joined(separator: " "), place.latitude, place.longitude, place.kind]
            }
            files["recherche/lieux/\(key).json"] = (try? JSONSerialization.data(withJSONObject: rows, options: [.withoutEscapingSlashes])) ?? Data("[]".utf8)
        }
        return files
    }

    /// A name without its article: "Le Mans" → "Mans", "L'Île-d'Yeu" → "Île-d'Yeu".
    static func withoutArticle(_ name: String) -> String {
        for article in ["Le ", "La ", "Les ", "L'", "L’"] where name.hasPrefix(article) {
            return String(name.dropFirst(article.count))
        }
        return name
    }

    /// The first two letters or digits of a name, folded as the search folds text
    /// (`SearchIndex.fold`), as `search.js` computes them (`placeKey`): "Île-de-France" → "il",
    /// "L'Haÿ-les-Roses" → "lh".
    static func nameKey(_ name: String) -> String {
        String(SearchIndex.fold(name).filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }.prefix(2))
    }
}
