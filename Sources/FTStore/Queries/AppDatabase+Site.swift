public import Foundation
internal import GRDB
public import FTModel

/// A review as the public may see it: no client identity.
public struct PublicReview: Sendable, Equatable {
    public var score: Int
    public var comment: String
    public var date: Date
}

/// One published expert with everything its public pages show.
public struct PublishedExpert: Sendable {
    public var expert: Expert
    public var productIds: [Int64]
    public var rating: RatingSummary
    /// Newest first.
    public var latestReviews: [PublicReview]
    /// Assignments the expert completed.
    public var completedAssignments: Int
}

/// Everything the public site is made from, read in one transaction so that it is consistent.
/// It holds no private data: no e-mails, phones, password hashes, clients, dossiers or messages.
public struct SiteSnapshot: Sendable {
    public var products: [EligibleProduct]
    /// Published experts (approved, active, active user), by id.
    public var experts: [PublishedExpert]
}

extension AppDatabase {
    /// Reads the public site's data: active products and published experts with their ratings;
    /// with `only`, just those experts (those of them that are published).
    public func siteSnapshot(reviewsPerExpert: Int = 5, only: Set<Int64>? = nil) throws -> SiteSnapshot {
        // Integers only, so the list can be inlined safely.
        let within = { (column: String) -> String in
            guard let only else { return "1" }
            return "\(column) IN (\(only.sorted().map(String.init).joined(separator: ",")))"
        }
        return try writer.read { db in
            let products = try EligibleProduct.fetchAll(db, sql: "SELECT * FROM eligibleProduct WHERE active = 1 ORDER BY name")
            let experts = try Expert.fetchAll(db, sql: "SELECT expert.* FROM expert WHERE \(Self.publishedExpertCondition) AND \(within("expert.id")) ORDER BY id")

            var specialties: [Int64: [Int64]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT expertId, productId FROM expertSpecialty WHERE \(within("expertId")) ORDER BY expertId, productId") {
                specialties[row[0], default: []].append(row[1])
            }
            var histograms: [Int64: [Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT expertId, score, count(*) FROM rating WHERE \(within("expertId")) GROUP BY expertId, score") {
                let score: Int = row[1]
                guard (1...5).contains(score) else { continue }
                histograms[row[0], default: [0, 0, 0, 0, 0]][score - 1] = row[2]
            }
            var reviews: [Int64: [PublicReview]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT expertId, score, comment, updatedAt FROM (
                    SELECT expertId, score, comment, updatedAt,
                           row_number() OVER (PARTITION BY expertId ORDER BY updatedAt DESC, id DESC) AS position
                    FROM rating WHERE \(within("expertId"))
                ) WHERE position <= ? ORDER BY expertId, position
                """, arguments: [reviewsPerExpert])
            {
                reviews[row[0], default: []].append(PublicReview(score: row[1], comment: row[2], date: row[3]))
            }
            var completed: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT expertId, count(*) FROM expertAssignment WHERE status = 'completed' AND \(within("expertId")) GROUP BY expertId") {
                completed[row[0]] = row[1]
            }

            let published = experts.compactMap { expert -> PublishedExpert? in
                guard let id = expert.id else { return nil }
                let histogram = histograms[id] ?? [0, 0, 0, 0, 0]
                let count = histogram.reduce(0, +)
                let total = histogram.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
                return PublishedExpert(
                    expert: expert,
                    productIds: specialties[id] ?? [],
                    rating: RatingSummary(count: count, average: count == 0 ? nil : Double(total) / Double(count), histogram: histogram),
                    latestReviews: reviews[id] ?? [],
                    completedAssignments: completed[id] ?? 0
                )
            }
            return SiteSnapshot(products: products, experts: published)
        }
    }
}
