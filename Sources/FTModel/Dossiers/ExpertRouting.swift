public import Foundation

/// Who a dossier is offered to when its client asked for nobody (or the expert asked for
/// declined, or let the offer lapse): skills-and-capacity routing, as help desks do it. Pure; the
/// store reads the candidates and writes the offer.
///
/// Eligible: the expert holds the scheme (the caller's query), is approved and active, was not
/// offered this dossier before, has spare capacity, and works in the client's region or within the
/// scheme's distance. Ranked by spare capacity (capacity minus open assignments), then rating
/// (unrated last), then the longest time since their last offer (never offered first), then id.
public enum ExpertRouting {
    /// A scheme's routing rule.
    public struct Rule: Sendable, Equatable {
        /// How far from the client an expert of another region may be, in kilometres.
        public var maximumDistanceKm: Double
        /// How long an offer waits for an answer before it moves on.
        public var offerHours: Int

        public init(maximumDistanceKm: Double, offerHours: Int) {
            self.maximumDistanceKm = maximumDistanceKm
            self.offerHours = offerHours
        }
    }

    public struct Candidate: Sendable, Equatable {
        public var expertId: Int64
        public var name: String
        public var region: String
        public var point: GeoPoint
        public var openAssignments: Int
        public var capacity: Int
        /// Average score, nil without a review.
        public var rating: Double?
        public var lastOfferAt: Date?

        public init(expertId: Int64, name: String, region: String, point: GeoPoint, openAssignments: Int, capacity: Int, rating: Double?, lastOfferAt: Date?) {
            self.expertId = expertId
            self.name = name
            self.region = region
            self.point = point
            self.openAssignments = openAssignments
            self.capacity = capacity
            self.rating = rating
            self.lastOfferAt = lastOfferAt
        }

        public var spareCapacity: Int { capacity - openAssignments }
    }

    /// Where the client is, and who was already offered the dossier.
    public struct Request: Sendable, Equatable {
        public var region: String
        public var point: GeoPoint?
        public var excluded: Set<Int64>

        public init(region: String, point: GeoPoint?, excluded: Set<Int64>) {
            self.region = region
            self.point = point
            self.excluded = excluded
        }
    }

    public struct Ranked: Sendable, Equatable {
        public var candidate: Candidate
        public var distanceKm: Double?

        /// Why, in French: "3 dossiers ouverts sur 10, note 4,7, 12 km" (made when asked: the
        /// dossier's history needs the first one's only).
        public var reason: String { ExpertRouting.reason(candidate, distanceKm: distanceKm) }
    }

    /// The eligible candidates, best first.
    public static func rank(_ candidates: [Candidate], for request: Request, rule: Rule) -> [Ranked] {
        var eligible: [Ranked] = []
        eligible.reserveCapacity(candidates.count)
        for candidate in candidates where !request.excluded.contains(candidate.expertId) && candidate.spareCapacity > 0 {
            let distance = request.point.map { candidate.point.distance(to: $0) }
            guard candidate.region == request.region || (distance.map { $0 <= rule.maximumDistanceKm } ?? false) else { continue }
            eligible.append(Ranked(candidate: candidate, distanceKm: distance))
        }
        eligible.sort { a, b in
            let x = a.candidate, y = b.candidate
            if x.spareCapacity != y.spareCapacity { return x.spareCapacity > y.spareCapacity }
            if x.rating != y.rating { return (x.rating ?? -1) > (y.rating ?? -1) }
            if x.lastOfferAt != y.lastOfferAt { return (x.lastOfferAt ?? .distantPast) < (y.lastOfferAt ?? .distantPast) }
            return x.expertId < y.expertId
        }
        return eligible
    }

    static func reason(_ candidate: Candidate, distanceKm: Double?) -> String {
        let open = candidate.openAssignments
        var parts = ["\(open) dossier\(open > 1 ? "s" : "") ouvert\(open > 1 ? "s" : "") sur \(candidate.capacity)"]
        if let rating = candidate.rating {
            let tenths = Int((rating * 10).rounded())
            parts.append("note \(tenths / 10),\(tenths % 10)")
        } else {
            parts.append("pas encore d’avis")
        }
        if let distanceKm { parts.append("\(Int(distanceKm.rounded())) km") }
        return parts.joined(separator: ", ")
    }
}
