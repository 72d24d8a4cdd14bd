internal import GRDB
public import FTModel

/// An expert's ratings, derived from the `rating` table.
public struct RatingSummary: Sendable, Equatable {
    public var count: Int
    /// Mean score, or `nil` without ratings.
    public var average: Double?
    /// Number of ratings per score, index 0 for 1 star … index 4 for 5 stars.
    public var histogram: [Int]

    public init(count: Int, average: Double?, histogram: [Int]) {
        self.count = count
        self.average = average
        self.histogram = histogram
    }
}

extension AppDatabase {
    /// SQL condition for an expert that may appear on public pages.
    static let publishedExpertCondition = """
        expert.approval = 'approved' AND expert.active = 1
        AND EXISTS (SELECT 1 FROM user WHERE user.id = expert.userId AND user.active = 1)
        """

    /// Published experts (approved, active, active user), newest approval first.
    public func publishedExperts(limit: Int = 50, offset: Int = 0) throws -> [Expert] {
        try writer.read { db in
            try Expert.fetchAll(db, sql: """
                SELECT expert.* FROM expert WHERE \(Self.publishedExpertCondition)
                ORDER BY approvedAt DESC, id LIMIT ? OFFSET ?
                """, arguments: [limit, offset])
        }
    }

    public func publishedExpertCount() throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM expert WHERE \(Self.publishedExpertCondition)") ?? 0
        }
    }

    public func expert(slug: String) throws -> Expert? {
        try writer.read { db in try Expert.filter(sql: "slug = ?", arguments: [slug]).fetchOne(db) }
    }

    public func expert(id: Int64) throws -> Expert? {
        try writer.read { db in try Expert.fetchOne(db, key: id) }
    }

    /// Published experts who work on the product, by name.
    public func publishedExperts(productId: Int64) throws -> [Expert] {
        try writer.read { db in
            try Expert.fetchAll(db, sql: """
                SELECT expert.* FROM expertSpecialty JOIN expert ON expert.id = expertSpecialty.expertId
                WHERE expertSpecialty.productId = ? AND \(Self.publishedExpertCondition)
                ORDER BY expert.lastName, expert.firstName, expert.id
                """, arguments: [productId])
        }
    }

    /// The products an expert works on.
    public func specialties(expertId: Int64) throws -> [EligibleProduct] {
        try writer.read { db in
            try EligibleProduct.fetchAll(db, sql: """
                SELECT eligibleProduct.* FROM expertSpecialty
                JOIN eligibleProduct ON eligibleProduct.id = expertSpecialty.productId
                WHERE expertSpecialty.expertId = ? ORDER BY eligibleProduct.name
                """, arguments: [expertId])
        }
    }

    public func ratingSummary(expertId: Int64) throws -> RatingSummary {
        try writer.read { db in
            var histogram = [0, 0, 0, 0, 0]
            let rows = try Row.fetchAll(db, sql: "SELECT score, count(*) AS n FROM rating WHERE expertId = ? GROUP BY score", arguments: [expertId])
            for row in rows {
                let score: Int = row["score"]
                histogram[score - 1] = row["n"]
            }
            let count = histogram.reduce(0, +)
            let total = histogram.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
            return RatingSummary(count: count, average: count == 0 ? nil : Double(total) / Double(count), histogram: histogram)
        }
    }

    /// The newest ratings of an expert.
    public func latestRatings(expertId: Int64, limit: Int = 5) throws -> [Rating] {
        try writer.read { db in
            try Rating.fetchAll(db, sql: "SELECT * FROM rating WHERE expertId = ? ORDER BY updatedAt DESC, id DESC LIMIT ?", arguments: [expertId, limit])
        }
    }

    /// Published experts matching a full-text query (accent-insensitive, prefix match on each word),
    /// best match first.
    public func searchExperts(_ text: String, limit: Int = 20) throws -> [Expert] {
        guard let pattern = FullTextQuery.pattern(text) else { return [] }
        return try writer.read { db in
            try Expert.fetchAll(db, sql: """
                SELECT expert.* FROM expertSearch JOIN expert ON expert.id = expertSearch.rowid
                WHERE expertSearch MATCH ? AND \(Self.publishedExpertCondition)
                ORDER BY bm25(expertSearch), expert.id LIMIT ?
                """, arguments: [pattern, limit])
        }
    }
}
