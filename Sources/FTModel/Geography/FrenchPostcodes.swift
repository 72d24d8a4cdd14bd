public import Foundation

/// Postcode → town and region, from the site's place list (`site-templates/data/places.tsv`:
/// name, postcodes, département, …; most populous first, so a postcode shared by several
/// communes names the largest).
public struct FrenchPostcodes: Sendable {
    public struct Place: Sendable, Equatable {
        public var city: String
        public var region: String

        public init(city: String, region: String) {
            self.city = city
            self.region = region
        }
    }

    private let places: [String: Place]

    public init(tsv: String) {
        var places: [String: Place] = [:]
        for line in tsv.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3, let region = FrenchRegions.region(departement: String(fields[2])) else { continue }
            for postcode in fields[1].split(separator: " ") where places[String(postcode)] == nil {
                places[String(postcode)] = Place(city: String(fields[0]), region: region)
            }
        }
        self.places = places
    }

    public init(fileAt url: URL) throws {
        self.init(tsv: try String(contentsOf: url, encoding: .utf8))
    }

    public func place(postcode: String) -> Place? {
        places[postcode]
    }

    public var isEmpty: Bool { places.isEmpty }
}
