internal import Dispatch
public import Foundation
internal import GRDB
internal import Synchronization
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
    /// The expert's first answers in conversations whose client first wrote since the
    /// snapshot's `answeredSince`: how many, and their median delay in seconds.
    public var responses: ResponseTimes
}

/// How fast an expert answers, measured from real conversations: a conversation's first answer is
/// the first expert message after the client's first message (`AppDatabase.firstAnswersSQL`, the
/// definition the dashboard and the reports use).
public struct ResponseTimes: Sendable, Equatable {
    public var count: Int
    public var medianSeconds: Double?

    public init(seconds: [Double]) {
        count = seconds.count
        medianSeconds = Statistics.median(seconds)
    }
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
    ///
    /// The whole snapshot is read on two connections side by side (the experts' rows on one, the
    /// rest on the other) when the database allows it; both reads note the newest site change,
    /// and if a write that the site shows came between them (every such write notes one: see
    /// `Schema.createSiteChanges`), it is read again in one transaction.
    /// `answeredSince`: the start of the window response times are measured over.
    public func siteSnapshot(reviewsPerExpert: Int = 5, answeredSince: Date, only: Set<Int64>? = nil) throws -> SiteSnapshot {
        if only == nil, let pool = writer as? DatabasePool,
            let snapshot = try Self.siteSnapshotSideBySide(pool, reviewsPerExpert: reviewsPerExpert, answeredSince: answeredSince)
        {
            return snapshot
        }
        // Integers only, so the list can be inlined safely.
        let within = { (column: String) -> String in
            guard let only else { return "1" }
            return "\(column) IN (\(only.sorted().map(String.init).joined(separator: ",")))"
        }
        return try writer.read { db in
            let experts = try Self.publishedExperts(db, within: within("expert.id"))
            return Self.assemble(experts, try ExpertFacts(db, within: only == nil ? nil : within("expertId"), reviewsPerExpert: reviewsPerExpert, answeredSince: answeredSince))
        }
    }

    private static func siteSnapshotSideBySide(_ pool: DatabasePool, reviewsPerExpert: Int, answeredSince: Date) throws -> SiteSnapshot? {
        let experts = Mutex<Result<(change: Int64, experts: [Expert]), any Error>?>(nil)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            let result = Result { try pool.read { db in (change: try latestSiteChange(db), experts: try publishedExperts(db, within: "1")) } }
            experts.withLock { $0 = result }
        }
        let facts = Result { try pool.read { db in (change: try latestSiteChange(db), facts: try ExpertFacts(db, within: nil, reviewsPerExpert: reviewsPerExpert, answeredSince: answeredSince)) } }
        group.wait()
        guard let read = experts.withLock({ $0 }) else { return nil }
        let (change, published) = try read.get()
        let other = try facts.get()
        guard change == other.change else { return nil }
        return assemble(published, other.facts)
    }

    private static func latestSiteChange(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'siteChange'") ?? 0
    }

    private static func publishedExperts(_ db: Database, within: String) throws -> [Expert] {
        try Expert.fetchAll(db, sql: "SELECT expert.* FROM expert WHERE \(publishedExpertCondition) AND \(within) ORDER BY id")
    }

    private static func assemble(_ experts: [Expert], _ facts: ExpertFacts) -> SiteSnapshot {
        let published = experts.compactMap { expert -> PublishedExpert? in
            guard let id = expert.id else { return nil }
            let histogram = facts.histograms[id] ?? [0, 0, 0, 0, 0]
            let count = histogram.reduce(0, +)
            let total = histogram.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
            return PublishedExpert(
                expert: expert,
                productIds: facts.specialties[id] ?? [],
                rating: RatingSummary(count: count, average: count == 0 ? nil : Double(total) / Double(count), histogram: histogram),
                latestReviews: facts.reviews[id] ?? [],
                completedAssignments: facts.completed[id] ?? 0,
                responses: ResponseTimes(seconds: facts.responseSeconds[id] ?? [])
            )
        }
        return SiteSnapshot(products: facts.products, experts: published)
    }
}

/// Everything the site shows about experts besides their own rows, by expert id.
private struct ExpertFacts {
    var products: [EligibleProduct]
    var specialties: [Int64: [Int64]] = [:]
    var histograms: [Int64: [Int]] = [:]
    var reviews: [Int64: [PublicReview]] = [:]
    var completed: [Int64: Int] = [:]
    var responseSeconds: [Int64: [Double]] = [:]

    /// `only` is an SQL condition on `expertId`, nil for every expert. Rows are read through
    /// cursors (not copied).
    init(_ db: Database, within only: String?, reviewsPerExpert: Int, answeredSince: Date) throws {
        let within = only ?? "1"
        products = try EligibleProduct.fetchAll(db, sql: "SELECT * FROM eligibleProduct WHERE active = 1 ORDER BY name")
        let specialtyRows = try Row.fetchCursor(db, sql: "SELECT expertId, productId FROM expertSpecialty WHERE \(within) ORDER BY expertId, productId")
        while let row = try specialtyRows.next() {
            specialties[row[0], default: []].append(row[1])
        }
        let histogramRows = try Row.fetchCursor(db, sql: "SELECT expertId, score, count(*) FROM rating WHERE \(within) GROUP BY expertId, score")
        while let row = try histogramRows.next() {
            let score: Int = row[1]
            guard (1...5).contains(score) else { continue }
            histograms[row[0], default: [0, 0, 0, 0, 0]][score - 1] = row[2]
        }
        let reviewRows = try Row.fetchCursor(db, sql: """
            SELECT expertId, score, comment, updatedAt FROM (
                SELECT expertId, score, comment, updatedAt,
                       row_number() OVER (PARTITION BY expertId ORDER BY updatedAt DESC, id DESC) AS position
                FROM rating WHERE \(within)
            ) WHERE position <= ? ORDER BY expertId, position
            """, arguments: [reviewsPerExpert])
        while let row = try reviewRows.next() {
            reviews[row[0], default: []].append(PublicReview(score: row[1], comment: row[2], date: row[3]))
        }
        let completedRows = try Row.fetchCursor(db, sql: "SELECT expertId, count(*) FROM expertAssignment WHERE status = 'completed' AND \(within) GROUP BY expertId")
        while let row = try completedRows.next() {
            completed[row[0]] = row[1]
        }
        // Only the conversations of the experts read, when they are few (a targeted build).
        let conversations = only.map { "WHERE c.dossierId IN (SELECT dossierId FROM expertAssignment WHERE \($0))" } ?? ""
        let responseRows = try Row.fetchCursor(db, sql: """
            SELECT expertId, seconds FROM (
                SELECT e.id AS expertId, (julianday(m.createdAt) - julianday(x.askedAt)) * 86400.0 AS seconds
                FROM (\(AppDatabase.firstAnswersSQL(conversations: conversations))) x
                JOIN message m ON m.rowid = x.answer JOIN expert e ON e.userId = m.authorId
                WHERE x.askedAt >= ?
            ) WHERE \(within)
            """, arguments: [answeredSince])
        while let row = try responseRows.next() {
            responseSeconds[row[0], default: []].append(row[1])
        }
    }
}
