internal import GRDB

/// What changed for the public site since a build (see `Schema.createSiteChanges`).
public struct SiteChanges: Sendable, Equatable {
    /// The database file's identity: a site built from another file must be rebuilt in full.
    public var epoch: String
    /// The newest change; pass it as `after` next time.
    public var latest: Int64
    /// Whether some changes after `after` are no longer recorded (pruned, or another file).
    public var incomplete: Bool
    /// Some expert appeared, disappeared or moved, or a product changed: rebuild everything.
    public var structural: Bool
    /// Experts whose pages show something new (ratings, profile text).
    public var experts: Set<Int64>
}

/// An expert's rating count and the sum of its scores.
public struct RatingTotal: Sendable, Equatable {
    public var expertId: Int64
    public var count: Int
    public var total: Int
}

extension AppDatabase {
    /// The changes recorded after `seq`.
    public func siteChanges(after seq: Int64) throws -> SiteChanges {
        try writer.read { db in
            let epoch = try String.fetchOne(db, sql: "SELECT epoch FROM siteEpoch") ?? ""
            let latest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'siteChange'") ?? 0
            let oldest = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM siteChange") ?? (latest + 1)
            var changes = SiteChanges(epoch: epoch, latest: latest, incomplete: seq > latest || (seq < latest && oldest > seq + 1), structural: false, experts: [])
            for row in try Row.fetchAll(db, sql: "SELECT expertId, kind FROM siteChange WHERE seq > ?", arguments: [seq]) {
                let kind: String = row["kind"]
                let expert: Int64? = row["expertId"]
                if kind == "structure" || expert == nil {
                    changes.structural = true
                } else if let expert {
                    changes.experts.insert(expert)
                }
            }
            return changes
        }
    }

    /// Forgets the changes up to `seq` (after seeding or an import, which rebuild everything).
    public func forgetSiteChanges(upTo seq: Int64) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM siteChange WHERE seq <= ?", arguments: [seq]) }
    }

    /// Rating counts and totals of the published experts (with `only`, of those) with at least
    /// `minimumCount` ratings.
    public func ratingTotals(minimumCount: Int, only: Set<Int64>? = nil) throws -> [RatingTotal] {
        // Integers only, so the list can be inlined safely.
        let within = only.map { "expert.id IN (\($0.sorted().map(String.init).joined(separator: ",")))" } ?? "1"
        return try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT rating.expertId, count(*), sum(rating.score) FROM rating JOIN expert ON expert.id = rating.expertId
                WHERE \(Self.publishedExpertCondition) AND \(within) AND rating.score BETWEEN 1 AND 5
                GROUP BY rating.expertId HAVING count(*) >= ?
                """, arguments: [minimumCount])
                .map { RatingTotal(expertId: $0[0], count: $0[1], total: $0[2]) }
        }
    }
}
