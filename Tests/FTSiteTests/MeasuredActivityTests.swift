import FTModel
import FTSeed
import FTSite
import FTSync
@testable import FTStore
import Foundation
import GRDB
import Testing

/// A profile's response time and last activity come from what the expert did, not from a
/// written figure; without enough to measure, the page says so.
@Suite struct MeasuredActivityTests {
    /// Each published expert's first answers, worked out here from the raw messages: per
    /// conversation, the client's first message and the first expert message after it, kept when
    /// the question falls in the 90 days before `today`.
    private func firstAnswers(_ database: AppDatabase, today: Date) throws -> [String: [Double]] {
        let since = Date(timeIntervalSince1970: ((today.timeIntervalSince1970 / 86_400).rounded(.down) - 90) * 86_400)
        let rows = try database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.conversationId, m.createdAt, u.role, e.slug FROM message m JOIN user u ON u.id = m.authorId
                LEFT JOIN expert e ON e.userId = u.id ORDER BY m.conversationId, m.createdAt
                """)
        }
        var answers: [String: [Double]] = [:]
        var asked: [Int64: Date] = [:]
        var answered: Set<Int64> = []
        for row in rows {
            let conversation: Int64 = row[0]
            let at: Date = row[1]
            let role: String = row[2]
            if role == "client", asked[conversation] == nil { asked[conversation] = at }
            if role == "expert", let question = asked[conversation], at > question, !answered.contains(conversation) {
                answered.insert(conversation)
                if question >= since, let slug: String = row[3] { answers[slug, default: []].append(at.timeIntervalSince(question)) }
            }
        }
        return answers
    }

    private func wording(hoursFrom seconds: [Double]) -> String {
        let sorted = seconds.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let hours = max(1, Int((median / 3_600).rounded(.up)))
        if hours <= 1 { return "Répond en moins d'une heure" }
        if hours < 48 { return "Répond en \(hours) h" }
        return "Répond en \(Int((Double(hours) / 24).rounded(.up))) jours"
    }

    @Test func aProfileShowsTheMedianOfItsRealFirstAnswersOrSaysThereAreTooFew() throws {
        let fixture = try SiteFixture(experts: 20, clients: 120)
        try fixture.generate()
        let answers = try firstAnswers(fixture.database, today: SiteFixture.today)
        var measured = 0
        var unmeasured = 0
        for slug in try fixture.publishedSlugs() {
            let html = try fixture.read("experts/\(slug)/index.html")
            let seconds = answers[slug] ?? []
            if seconds.count >= 3 {
                measured += 1
                #expect(html.contains("<li>\(wording(hoursFrom: seconds)) (médiane de ses \(seconds.count) premières réponses sur 90 jours)</li>"), "\(slug): \(seconds)")
            } else {
                unmeasured += 1
                let expected = seconds.isEmpty
                    ? "Délai de réponse : aucun échange ces 90 derniers jours pour le mesurer"
                    : "Délai de réponse : pas encore assez d&#39;échanges pour le mesurer (\(seconds.count) première\(seconds.count > 1 ? "s" : "") réponse\(seconds.count > 1 ? "s" : "") sur 90 jours)"
                #expect(html.contains("<li>\(expected)</li>") || html.contains("<li>\(expected.replacingOccurrences(of: "&#39;", with: "'"))</li>"), "\(slug): \(seconds)")
            }
        }
        #expect(measured > 0 && unmeasured > 0, "the demo has both kinds (\(measured) measured, \(unmeasured) not)")
    }

    @Test func answersOlderThanNinetyDaysDoNotCount() throws {
        let fixture = try SiteFixture(experts: 10, clients: 40)
        var later = fixture.configuration
        later.today = SiteFixture.today.addingTimeInterval(200 * 86_400)
        try fixture.generate(later)
        for slug in try fixture.publishedSlugs() {
            let html = try fixture.read("experts/\(slug)/index.html")
            #expect(html.contains("aucun échange ces 90 derniers jours"), "\(slug)")
            #expect(!html.contains("Répond en"))
        }
        #expect(try !fixture.read("experts/index.html").contains("Répond en"), "the cards say it too")
    }

    @Test func theLastActivityIsTheExpertsLatestActionAndFollowsAStepMovedThroughSync() throws {
        let fixture = try SiteFixture(experts: 8, clients: 30)
        let (expertUser, slug, seededDay) = try fixture.database.writer.read { db -> (Int64, String, Date?) in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT e.userId, e.slug, e.lastActiveDay FROM expert e JOIN user u ON u.id = e.userId WHERE u.email = ?", arguments: [DemoAccounts.expert]))
            return (row[0], row[1], row[2])
        }
        // The seeded day is the day of the expert's latest message or document version.
        let latest = try fixture.database.writer.read { db in
            try Date.fetchOne(db, sql: """
                SELECT max(at) FROM (SELECT createdAt AS at FROM message WHERE authorId = ?1
                UNION ALL SELECT uploadedAt FROM documentVersion WHERE uploadedBy = ?1
                UNION ALL SELECT validatedAt FROM documentVersion WHERE validatedBy = ?1)
                """, arguments: [expertUser])
        }
        let day = { (date: Date) in Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400) }
        #expect(seededDay == latest.map(day))
        try fixture.generate()
        if let seededDay {
            #expect(try fixture.read("experts/\(slug)/index.html").contains("<li>Dernière activité : \(FrenchDay.text(seededDay))</li>"))
        }

        // Two days after the demo's day, the expert moves a step of one of its dossiers.
        let step = try #require(try fixture.database.writer.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT s.id FROM dossierStep s JOIN expertAssignment a ON a.dossierId = s.dossierId JOIN expert e ON e.id = a.expertId
                JOIN dossier d ON d.id = s.dossierId
                WHERE e.userId = ? AND a.status IN ('assigned', 'in_progress') AND d.status = 'in_progress'
                  AND s.assigneeRole = 'expert' AND s.status <> 'completed' ORDER BY s.id LIMIT 1
                """, arguments: [expertUser])
        })
        let now = SiteFixture.today.addingTimeInterval(2 * 86_400 + 3_600)
        let actor = SyncActor(user: expertUser, role: .expert)
        let operation = SyncOperation(
            id: "activity-1", collection: .step, action: .update, record: String(step), fields: ["progress": .int(55)],
            hlc: HLCTimestamp(milliseconds: Int64(now.timeIntervalSince1970 * 1_000), node: "phone"), actor: actor
        )
        #expect(try fixture.database.push([operation], actor: actor, now: now).map(\.status) == [.accepted])
        #expect(try fixture.database.expert(slug: slug)?.lastActiveDay == day(now))

        // The profile is rebuilt by a targeted build, and says so.
        let report = try fixture.generate()
        #expect(report.mode == .targeted)
        #expect(report.written.contains("experts/\(slug)/index.html"))
        #expect(try fixture.read("experts/\(slug)/index.html").contains("<li>Dernière activité : \(FrenchDay.text(now))</li>"))

        // A second action the same day changes nothing the site shows: no site change is noted.
        let again = SyncOperation(
            id: "activity-2", collection: .step, action: .update, record: String(step), fields: ["progress": .int(60)],
            hlc: HLCTimestamp(milliseconds: Int64(now.timeIntervalSince1970 * 1_000) + 60_000, node: "phone"), actor: actor
        )
        let changesBefore = try fixture.database.siteChanges(after: 0).latest
        #expect(try fixture.database.push([again], actor: actor, now: now.addingTimeInterval(60)).map(\.status) == [.accepted])
        #expect(try fixture.database.siteChanges(after: 0).latest == changesBefore)
    }
}

/// "9 décembre 2026", as the site words a day.
private enum FrenchDay {
    static let months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
    static func text(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return "\(parts.day!) \(months[parts.month! - 1]) \(parts.year!)"
    }
}
