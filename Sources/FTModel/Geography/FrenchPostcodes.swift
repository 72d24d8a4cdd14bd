public import Foundation

/// Postcode → town and region, from the site's place list (`site-templates/data/places.tsv`:
/// name, postcodes, département, latitude, longitude, …; most populous first, so a postcode shared by several
/// communes names the largest).
public struct FrenchPostcodes: Sendable {
    public struct Place: Sendable, Equatable {
        public var city: String
        public var region: String
        public var latitude: Double
        public var longitude: Double

        public init(city: String, region: String, latitude: Double = 0, longitude: Double = 0) {
            self.city = city
            self.region = region
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    private let places: [String: Place]

    public init(tsv: String) {
        var places: [String: Place] = [:]
        for line in tsv.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 5, let region = FrenchRegions.region(departement: String(fields[2])),
                  let latitude = Double(fields[3]), let longitude = Double(fields[4]) else { continue }
            let place = Place(city: String(fields[0]), region: region, latitude: latitude, longitude: longitude)
            for postcode in fields[1].split(separator: " ") where places[String(postcode)] == nil {
                places[String(postcode)] = place
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
