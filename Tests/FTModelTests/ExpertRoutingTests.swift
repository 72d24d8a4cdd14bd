import FTModel
import Foundation
import Testing

@Suite struct ExpertRoutingTests {
    typealias Candidate = ExpertRouting.Candidate
    static let lyon = GeoPoint(latitude: 45.7677, longitude: 4.8354)
    static let rule = ExpertRouting.Rule(maximumDistanceKm: 150, offerHours: 48)

    static func candidate(_ id: Int64, region: String = "Auvergne-Rhône-Alpes", point: GeoPoint = lyon, open: Int = 0, capacity: Int = 10, rating: Double? = 4, lastOffer: Date? = nil) -> Candidate {
        Candidate(expertId: id, name: "Expert \(id)", region: region, point: point, openAssignments: open, capacity: capacity, rating: rating, lastOfferAt: lastOffer)
    }

    @Test func spareCapacityThenRatingThenLongestWaitThenId() {
        let day = Date(timeIntervalSince1970: 1_800_000_000)
        let candidates = [
            Self.candidate(1, open: 5),                                         // spare 5
            Self.candidate(2, open: 2, rating: 4.2),                            // spare 8, rated 4.2
            Self.candidate(3, open: 2, rating: 4.8, lastOffer: day),            // spare 8, rated 4.8, offered a day ago
            Self.candidate(4, open: 2, rating: 4.8, lastOffer: day - 86_400),   // spare 8, rated 4.8, offered two days ago
            Self.candidate(5, open: 2, rating: 4.8),                            // spare 8, rated 4.8, never offered
            Self.candidate(6, open: 2, rating: nil),                            // spare 8, no review
        ]
        let ranked = ExpertRouting.rank(candidates, for: .init(region: "Auvergne-Rhône-Alpes", point: Self.lyon, excluded: []), rule: Self.rule)
        #expect(ranked.map(\.candidate.expertId) == [5, 4, 3, 2, 6, 1])
    }

    @Test func outOfTheRegionOnlyWithinTheDistanceAndNeverFullOrOfferedBefore() {
        let paris = GeoPoint(latitude: 48.8566, longitude: 2.3429)
        let grenoble = GeoPoint(latitude: 45.1885, longitude: 5.7245)
        let candidates = [
            Self.candidate(1, region: "Île-de-France", point: paris),            // 390 km away, another region
            Self.candidate(2, region: "Bourgogne-Franche-Comté", point: GeoPoint(latitude: 46.78, longitude: 4.85)), // ~112 km
            Self.candidate(3, point: grenoble, open: 10),                        // full
            Self.candidate(4, point: grenoble),                                  // same region
            Self.candidate(5),                                                   // offered it before
        ]
        let ranked = ExpertRouting.rank(candidates, for: .init(region: "Auvergne-Rhône-Alpes", point: Self.lyon, excluded: [5]), rule: Self.rule)
        #expect(Set(ranked.map(\.candidate.expertId)) == [2, 4])
        // Without the client's coordinates, only its region counts.
        let regionOnly = ExpertRouting.rank(candidates, for: .init(region: "Auvergne-Rhône-Alpes", point: nil, excluded: [5]), rule: Self.rule)
        #expect(regionOnly.map(\.candidate.expertId) == [4])
    }

    @Test func theReasonSaysWhyInFrench() {
        let ranked = ExpertRouting.rank([Self.candidate(1, point: GeoPoint(latitude: 45.8, longitude: 4.9), open: 3, rating: 4.66)],
                                        for: .init(region: "Auvergne-Rhône-Alpes", point: Self.lyon, excluded: []), rule: Self.rule)
        #expect(ranked.first?.reason == "3 dossiers ouverts sur 10, note 4,7, 6 km")
        let unrated = ExpertRouting.rank([Self.candidate(1, open: 1, rating: nil)], for: .init(region: "Auvergne-Rhône-Alpes", point: nil, excluded: []), rule: Self.rule)
        #expect(unrated.first?.reason == "1 dossier ouvert sur 10, pas encore d’avis")
    }
}
