internal import GRDB
public import Foundation

/// One line of a performance report: an expert, an eligible product or a region over a period.
public struct ReportRow: Sendable, Equatable {
    public var key: String
    public var label: String
    /// Dossiers opened (created) and closed in the period; for an expert, assignments requested
    /// and completed.
    public var opened = 0
    public var closed = 0
    /// Estimated amounts of what was opened; amounts obtained on what was closed as done.
    public var estimatedCents: Int64 = 0
    public var obtainedCents: Int64 = 0
    /// Median seconds from a client's first message to the first expert answer, for conversations
    /// whose first client message falls in the period.
    public var medianResponseSeconds: Double?
    public var ratingAverage: Double?
    public var ratingCount = 0
    /// Assignments active in the period that went past their product's SLA (at completion, or at
    /// the end of the period if still open).
    public var slaBreaches = 0

    public init(key: String, label: String) {
        self.key = key
        self.label = label
    }

    /// Whether anything happened.
    public var isEmpty: Bool {
        opened == 0 && closed == 0 && ratingCount == 0 && slaBreaches == 0 && medianResponseSeconds == nil && obtainedCents == 0
    }
}

/// Activity over `[from, to)`, by expert, by eligible product, by region (the client's).
public struct PerformanceReport: Sendable {
    public var from: Date
    public var to: Date
    public var experts: [ReportRow]
    public var products: [ReportRow]
    public var regions: [ReportRow]
    public var totals: ReportRow

    public var isEmpty: Bool { totals.isEmpty }
}

extension AppDatabase {
    /// `responses`: `firstResponses()`, when the caller has it already (several reports at once).
    public func performanceReport(from: Date, to: Date, responses known: [FirstResponse]? = nil) throws -> PerformanceReport {
        let all = try known ?? firstResponses()
        return try writer.read { db in
            let range: StatementArguments = [DatabaseDate.string(from: from), DatabaseDate.string(from: to)]
            var experts: [String: ReportRow] = [:]
            var products: [String: ReportRow] = [:]
            var regions: [String: ReportRow] = [:]
            var totals = ReportRow(key: "total", label: "Total")
            func update(_ table: inout [String: ReportRow], _ key: String, _ label: String, _ change: (inout ReportRow) -> Void) {
                var row = table[key] ?? ReportRow(key: key, label: label)
                change(&row)
                table[key] = row
            }

            // Dossiers opened and closed, by product and region.
            for row in try Row.fetchAll(db, sql: """
                SELECT p.code, p.name, c.region, d.estimatedCents, d.createdAt >= ?1 AND d.createdAt < ?2 AS opened,
                    d.closedAt >= ?1 AND d.closedAt < ?2 AS closed, d.status, coalesce(d.obtainedCents, 0)
                FROM dossier d JOIN eligibleProduct p ON p.id = d.productId JOIN client c ON c.id = d.clientId
                WHERE (d.createdAt >= ?1 AND d.createdAt < ?2) OR (d.closedAt >= ?1 AND d.closedAt < ?2)
                """, arguments: range) {
                let opened: Bool = row[4], closed: Bool = row[5] ?? false
                let estimated: Int64 = row[3]
                let obtained: Int64 = (row[6] as String) == "done" && closed ? row[7] : 0
                let change = { (line: inout ReportRow) in
                    if opened {
                        line.opened += 1
                        line.estimatedCents += estimated
                    }
                    if closed { line.closed += 1 }
                    line.obtainedCents += obtained
                }
                update(&products, row[0], row[1], change)
                update(&regions, row[2], row[2], change)
                change(&totals)
            }

            // Assignments requested and completed, by expert (with the amounts of what they closed).
            for row in try Row.fetchAll(db, sql: """
                SELECT e.id, e.firstName || ' ' || e.lastName, a.requestedAt >= ?1 AND a.requestedAt < ?2,
                    a.completedAt >= ?1 AND a.completedAt < ?2, d.status, coalesce(d.obtainedCents, 0), d.estimatedCents
                FROM expertAssignment a JOIN expert e ON e.id = a.expertId JOIN dossier d ON d.id = a.dossierId
                WHERE (a.requestedAt >= ?1 AND a.requestedAt < ?2) OR (a.completedAt >= ?1 AND a.completedAt < ?2)
                """, arguments: range) {
                let requested: Bool = row[2], completed: Bool = row[3] ?? false
                update(&experts, String(row[0] as Int64), row[1]) { line in
                    if requested {
                        line.opened += 1
                        line.estimatedCents += row[6]
                    }
                    if completed {
                        line.closed += 1
                        if (row[4] as String) == "done" { line.obtainedCents += row[5] }
                    }
                }
            }

            // Ratings given (or changed) in the period.
            for row in try Row.fetchAll(db, sql: """
                SELECT e.id, e.firstName || ' ' || e.lastName, p.code, p.name, c.region, r.score
                FROM rating r JOIN expert e ON e.id = r.expertId JOIN client c ON c.id = r.clientId
                LEFT JOIN expertAssignment a ON a.id = r.assignmentId LEFT JOIN dossier d ON d.id = a.dossierId
                LEFT JOIN eligibleProduct p ON p.id = d.productId
                WHERE r.updatedAt >= ?1 AND r.updatedAt < ?2
                """, arguments: range) {
                let score = Double(row[5] as Int)
                let add = { (line: inout ReportRow) in
                    line.ratingAverage = ((line.ratingAverage ?? 0) * Double(line.ratingCount) + score) / Double(line.ratingCount + 1)
                    line.ratingCount += 1
                }
                update(&experts, String(row[0] as Int64), row[1], add)
                if let code = row[2] as String? { update(&products, code, row[3], add) }
                update(&regions, row[4], row[4], add)
                add(&totals)
            }

            // SLA breaches: assignments active in the period, not cancelled, past the SLA at
            // completion or at the period's end.
            for row in try Row.fetchAll(db, sql: """
                SELECT e.id, e.firstName || ' ' || e.lastName, p.code, p.name, c.region
                FROM expertAssignment a JOIN expert e ON e.id = a.expertId JOIN dossier d ON d.id = a.dossierId
                JOIN eligibleProduct p ON p.id = d.productId JOIN client c ON c.id = d.clientId
                WHERE a.status <> 'cancelled' AND a.requestedAt < ?2 AND (a.completedAt IS NULL OR a.completedAt >= ?1)
                    AND julianday(coalesce(min(a.completedAt, ?2), ?2)) - julianday(a.requestedAt) > p.slaDays
                """, arguments: range) {
                let add = { (line: inout ReportRow) in line.slaBreaches += 1 }
                update(&experts, String(row[0] as Int64), row[1], add)
                update(&products, row[2], row[3], add)
                update(&regions, row[4], row[4], add)
                add(&totals)
            }

            // First responses to questions asked in the period, by the expert who answered.
            let fromText = DatabaseDate.string(from: from), toText = DatabaseDate.string(from: to)
            let responses = all.filter { $0.askedAt >= fromText && $0.askedAt < toText }
            for (key, group) in Dictionary(grouping: responses, by: \.expertId) {
                update(&experts, String(key), group[0].expertName) { $0.medianResponseSeconds = Statistics.median(group.map(\.seconds)) }
            }
            for (key, group) in Dictionary(grouping: responses, by: \.productCode) {
                update(&products, key, group[0].productName) { $0.medianResponseSeconds = Statistics.median(group.map(\.seconds)) }
            }
            for (key, group) in Dictionary(grouping: responses, by: \.region) {
                update(&regions, key, key) { $0.medianResponseSeconds = Statistics.median(group.map(\.seconds)) }
            }
            totals.medianResponseSeconds = Statistics.median(responses.map(\.seconds))

            func sorted(_ table: [String: ReportRow]) -> [ReportRow] {
                table.values.filter { !$0.isEmpty }.sorted {
                    switch $0.label.compare($1.label, options: [.caseInsensitive, .diacriticInsensitive]) {
                    case .orderedAscending: true
                    case .orderedDescending: false
                    case .orderedSame: $0.key < $1.key
                    }
                }
            }
            return PerformanceReport(from: from, to: to, experts: sorted(experts), products: sorted(products), regions: sorted(regions), totals: totals)
        }
    }
}
