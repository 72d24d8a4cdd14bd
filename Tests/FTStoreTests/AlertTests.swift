import FTModel
import FTSeed
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// The alert rules, evaluated with an injected clock: each fires once, reminds on its cadence,
/// stops when resolved and survives a restart.
@Suite struct AlertTests {
    static let day: TimeInterval = 86_400

    /// Only `kind`'s rule is on, so that the seeded demo's other conditions stay quiet.
    static func only(_ kind: AlertRuleKind, _ database: AppDatabase, change: (inout AlertRule) -> Void = { _ in }) throws {
        for var rule in try database.alertRules() {
            rule.active = rule.kind == kind
            if rule.kind == kind { change(&rule) }
            try database.updateAlertRule(rule, by: try adminId(database), at: Fixtures.today)
        }
    }

    static func adminId(_ database: AppDatabase) throws -> Int64 {
        try #require(try database.user(email: DemoAccounts.admin)?.id)
    }

    static func openAlert(_ database: AppDatabase, _ subject: String) throws -> AlertEntry? {
        try database.alerts(open: true, limit: 10_000).first { $0.subject == subject }
    }

    /// The notifications `user` got about dossier `dossier` at `date` (about `about` if given).
    static func told(_ database: AppDatabase, user: Int64, dossier: Int64, at date: Date, about: String = "") throws -> [String] {
        try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT kind || ' ' || title FROM notification WHERE userId = ? AND createdAt = ? AND title LIKE ?", arguments: [user, date, "%\(about)%dossier n° \(dossier)"])
        }
    }

    static func position(_ fixture: SyncFixture, step: Int64) throws -> Int {
        try #require(try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT position FROM dossierStep WHERE id = ?", arguments: [step]) })
    }

    /// The demo dossier's client step, due at `due`, and the ids of who is concerned.
    static func dueStep(_ fixture: SyncFixture, at due: Date) throws -> Int64 {
        let step = fixture.clientStep
        try fixture.database.writer.write { db in
            try db.execute(sql: "UPDATE dossierStep SET status = 'in_progress', progress = 10, completedAt = NULL, dueAt = ? WHERE id = ?", arguments: [due, step])
            try db.execute(sql: "UPDATE dossier SET status = 'in_progress', closedAt = NULL WHERE id = ?", arguments: [fixture.dossier])
            try db.execute(sql: "UPDATE expertAssignment SET status = 'in_progress', completedAt = NULL WHERE dossierId = ? AND status <> 'cancelled'", arguments: [fixture.dossier])
        }
        return step
    }

    @Test func anOverdueStepFiresOnceRemindsOnCadenceAndStopsWhenDone() throws {
        let fixture = try SyncFixture()
        let database = fixture.database
        try Self.only(.stepOverdue, database)
        let start = Fixtures.today.addingTimeInterval(30 * Self.day)
        let step = try Self.dueStep(fixture, at: start.addingTimeInterval(-3_600))
        let subject = "step:\(step)"
        let about = "Étape \(try Self.position(fixture, step: step)) en retard"

        try database.evaluateAlerts(now: start)
        #expect(try Self.openAlert(database, subject) != nil)
        let admin = try Self.adminId(database)
        for user in [fixture.client.user, fixture.expert.user, admin] {
            #expect(try Self.told(database, user: user, dossier: fixture.dossier, at: start, about: about) == ["step_overdue \(about) — dossier n° \(fixture.dossier)"])
        }
        // Once per period: a minute later, nothing new.
        let minuteLater = start.addingTimeInterval(60)
        try database.evaluateAlerts(now: minuteLater)
        #expect(try Self.told(database, user: fixture.client.user, dossier: fixture.dossier, at: minuteLater).isEmpty)
        // Reminded every 24 h, three times at most.
        for index in 1...4 {
            let later = start.addingTimeInterval(Double(index) * Self.day)
            try database.evaluateAlerts(now: later)
            let got = try Self.told(database, user: fixture.client.user, dossier: fixture.dossier, at: later, about: about)
            #expect(got == (index <= 3 ? ["step_overdue Rappel : \(about) — dossier n° \(fixture.dossier)"] : []), "day \(index)")
        }
        #expect(try Self.openAlert(database, subject)?.reminders == 3)
        // Done: resolved, in the history, and no more reminders.
        try database.writer.write { db in
            try db.execute(sql: "UPDATE dossierStep SET status = 'completed', progress = 100, completedAt = ? WHERE id = ?", arguments: [start, step])
        }
        let done = start.addingTimeInterval(5 * Self.day)
        #expect(try database.evaluateAlerts(now: done).resolved >= 1)
        #expect(try Self.openAlert(database, subject) == nil)
        #expect(try database.alerts(open: false, limit: 10_000).contains { $0.subject == subject && $0.resolvedAt == done })
    }

    @Test func anAlertSurvivesARestartWithoutBeingToldTwice() throws {
        let folder = try Fixtures.temporaryDirectory()
        let path = folder + "/alerts.sqlite"
        let first = try AppDatabase.open(path: path)
        _ = try DemoSeeder(configuration: Fixtures.seedConfiguration(experts: 6, clients: 12)).seed(into: first)
        try Self.only(.stepOverdue, first)
        let start = Fixtures.today.addingTimeInterval(40 * Self.day)
        let opened = try first.evaluateAlerts(now: start)
        #expect(opened.opened > 0 && opened.notifications > 0)
        let open = try first.alerts(open: true, limit: 10_000).map(\.id)
        try first.close()

        let second = try AppDatabase.open(path: path)
        let again = try second.evaluateAlerts(now: start.addingTimeInterval(3_600))
        #expect(again == AlertRound(), "a restart neither repeats nor forgets: \(again)")
        #expect(try second.alerts(open: true, limit: 10_000).map(\.id) == open)
        // The day after, each open alert is reminded of once.
        #expect(try second.evaluateAlerts(now: start.addingTimeInterval(Self.day)).reminded == open.count)
        try second.close()
    }

    /// Many alerts are written a few at a time (pushes wait for the writer), and an evaluation
    /// stopped half-way (the server stopping) is finished by the next, with nothing told twice.
    @Test func manyAlertsAreWrittenInShortTransactionsAndAStopLosesNothing() throws {
        let folder = try Fixtures.temporaryDirectory()
        let database = try AppDatabase.open(path: folder + "/alerts.sqlite")
        _ = try DemoSeeder(configuration: Fixtures.seedConfiguration(experts: 20, clients: 60)).seed(into: database)
        try Self.only(.stepOverdue, database)
        let start = Fixtures.today.addingTimeInterval(40 * Self.day)
        var transactions = 0
        let first = try database.evaluateAlerts(now: start, batch: 3, shouldStop: {
            transactions += 1
            return transactions > 2
        })
        #expect(first.opened + first.reminded + first.resolved == 6, "two transactions of three before the stop: \(first)")
        let rest = try database.evaluateAlerts(now: start.addingTimeInterval(60), batch: 3)
        #expect(rest.opened + rest.reminded + rest.resolved > 0, "\(rest)")
        // All done: a minute later, nothing is opened, reminded or resolved again.
        #expect(try database.evaluateAlerts(now: start.addingTimeInterval(120), batch: 3) == AlertRound())
        let open = try database.alerts(open: true, limit: 10_000)
        #expect(Set(open.map(\.subject)).count == open.count, "no alert opened twice")
        let told = try database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM notification WHERE kind = 'step_overdue' AND createdAt >= ?", arguments: [start]) ?? 0
        }
        #expect(told == first.notifications + rest.notifications)
        try database.close()
    }

    @Test func aStepDueSoonTellsTheClientAndTheExpertButNotTheAdmins() throws {
        let fixture = try SyncFixture()
        let database = fixture.database
        try Self.only(.stepDue, database)
        let now = Fixtures.today.addingTimeInterval(30 * Self.day)
        _ = try Self.dueStep(fixture, at: now.addingTimeInterval(Self.day))
        try database.evaluateAlerts(now: now)
        #expect(try Self.told(database, user: fixture.client.user, dossier: fixture.dossier, at: now).first?.contains("à terminer le") == true)
        #expect(try Self.told(database, user: fixture.expert.user, dossier: fixture.dossier, at: now).count == 1)
        #expect(try Self.told(database, user: try Self.adminId(database), dossier: fixture.dossier, at: now).isEmpty)
    }

    @Test func aMissionPastThreeQuartersOfItsSLAIsAtRiskThenBreached() throws {
        let fixture = try SyncFixture()
        let database = fixture.database
        let (assignment, sla) = try #require(try database.writer.write { db -> (Int64, Int)? in
            try db.execute(sql: "UPDATE dossier SET status = 'in_progress', closedAt = NULL WHERE id = ?", arguments: [fixture.dossier])
            guard let row = try Row.fetchOne(db, sql: """
                SELECT a.id, p.slaDays FROM expertAssignment a JOIN dossier d ON d.id = a.dossierId JOIN eligibleProduct p ON p.id = d.productId
                WHERE a.dossierId = ? AND a.status <> 'cancelled' LIMIT 1
                """, arguments: [fixture.dossier]) else { return nil }
            try db.execute(sql: "UPDATE expertAssignment SET status = 'in_progress', completedAt = NULL, requestedAt = ? WHERE id = ?", arguments: [Fixtures.today, row["id"] as Int64])
            return (row["id"], row["slaDays"])
        })
        let subject = "assignment:\(assignment)"
        try Self.only(.slaAtRisk, database)
        try database.evaluateAlerts(now: Fixtures.today.addingTimeInterval(Double(sla) * 0.5 * Self.day))
        #expect(try Self.openAlert(database, subject) == nil, "at half its SLA, a mission is on time")
        let atRisk = Fixtures.today.addingTimeInterval(Double(sla) * 0.8 * Self.day)
        try database.evaluateAlerts(now: atRisk)
        #expect(try Self.openAlert(database, subject)?.rule == .slaAtRisk)
        #expect(try Self.told(database, user: fixture.expert.user, dossier: fixture.dossier, at: atRisk).first?.contains("Délai menacé") == true)
        #expect(try Self.told(database, user: fixture.client.user, dossier: fixture.dossier, at: atRisk).isEmpty, "clients are not told by default")
        // Past the SLA: no longer at risk (resolved) but breached.
        try database.updateAlertRule(try #require(try database.alertRules().first { $0.kind == .slaBreached }).with { $0.active = true }, by: try Self.adminId(database), at: atRisk)
        let breached = Fixtures.today.addingTimeInterval(Double(sla + 1) * Self.day)
        try database.evaluateAlerts(now: breached)
        #expect(try database.alerts(open: true, limit: 10_000).filter { $0.subject == subject }.map(\.rule) == [.slaBreached])
    }

    @Test func aClientMessageWaitsInWorkingHoursAndAnAnswerEndsTheAlert() throws {
        var fixture = try SyncFixture()
        let database = fixture.database
        try Self.only(.messageUnanswered, database)
        try database.writer.write { db in
            try db.execute(sql: "UPDATE dossier SET status = 'in_progress', closedAt = NULL WHERE id = ?", arguments: [fixture.dossier])
            try db.execute(sql: "UPDATE expertAssignment SET status = 'in_progress', completedAt = NULL WHERE dossierId = ? AND status <> 'cancelled'", arguments: [fixture.dossier])
            try db.execute(sql: "DELETE FROM message WHERE conversationId = ?", arguments: [fixture.conversation])
        }
        // Friday 4 December 2026, 17:00 in Paris (16:00 UTC).
        let friday = Date(timeIntervalSince1970: 1_796_400_000)
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO message (id, conversationId, authorId, body, createdAt, hlc) VALUES ('q1', ?, ?, 'Une question', ?, '0')", arguments: [fixture.conversation, fixture.client.user, friday])
        }
        let subject = "conversation:\(fixture.conversation)"
        // Monday 10:00 Paris: one hour on Friday, one on Monday.
        try database.evaluateAlerts(now: friday.addingTimeInterval(2 * Self.day + 17 * 3_600))
        #expect(try Self.openAlert(database, subject) == nil)
        // Monday 13:00 Paris: four working hours.
        let monday = friday.addingTimeInterval(2 * Self.day + 20 * 3_600)
        try database.evaluateAlerts(now: monday)
        #expect(try Self.openAlert(database, subject) != nil)
        #expect(try Self.told(database, user: fixture.expert.user, dossier: fixture.dossier, at: monday) == ["message Un client attend votre réponse — dossier n° \(fixture.dossier)"])
        // The expert answers through sync.
        fixture.clock = Int64(monday.timeIntervalSince1970 * 1_000)
        let answer = SyncOperation(id: "answer", collection: .message, action: .insert, record: "a1", fields: ["conversation": .int(fixture.conversation), "body": .string("Voici")], hlc: fixture.hlc(), actor: fixture.expert)
        #expect(try database.push([answer], actor: fixture.expert, now: fixture.now).first?.status == .accepted)
        #expect(try database.evaluateAlerts(now: monday.addingTimeInterval(3_600)).resolved == 1)
    }

    @Test func aRuleWithFewerChannelsSendsNoOtherAndAnAcknowledgedAlertIsNotRemindedOf() throws {
        let fixture = try SyncFixture()
        let database = fixture.database
        try NotificationDeliveryTests.subscribeToPush(fixture)
        try Self.only(.stepOverdue, database) { $0.channels = [.email] }
        let start = Fixtures.today.addingTimeInterval(30 * Self.day)
        let step = try Self.dueStep(fixture, at: start.addingTimeInterval(-3_600))
        try database.skipNotificationsFannedOut()
        try database.evaluateAlerts(now: start)
        try database.fanOutNotifications(policy: NotificationDeliveryTests.policy)
        let channels = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT channel FROM notificationDelivery WHERE userId = ?", arguments: [fixture.expert.user])
        }
        #expect(channels == ["email"], "the expert has a browser subscribed, but the rule says e-mail only")
        let alert = try #require(try Self.openAlert(database, "step:\(step)"))
        #expect(try database.acknowledgeAlert(alert.id, by: try Self.adminId(database), at: start))
        try database.evaluateAlerts(now: start.addingTimeInterval(2 * Self.day))
        let acknowledged = try Self.openAlert(database, "step:\(step)")
        #expect(acknowledged?.reminders == 0 && acknowledged?.acknowledgedBy != nil)
    }

    @Test func aRuleChangeOutsideItsLimitsIsRefusedNamingTheField() throws {
        let database = try Fixtures.seededDatabase(experts: 4, clients: 4)
        var rule = try #require(try database.alertRules().first { $0.kind == .slaAtRisk })
        rule.threshold = 150
        #expect(throws: AlertRuleError.self) { try database.updateAlertRule(rule, by: try Self.adminId(database), at: Fixtures.today) }
        rule.threshold = 80
        rule.recipients = []
        #expect { try database.updateAlertRule(rule, by: try Self.adminId(database), at: Fixtures.today) } throws: { ($0 as? AlertRuleError)?.field == "recipients" }
        #expect(try database.alertRules().first { $0.kind == .slaAtRisk }?.threshold == 75)
    }

    /// The performance rules look at the running server's `ServiceHealth`: a slow API and any
    /// 5xx open an alert for the admins (a system notice, which no preference turns off), once;
    /// a healthy window resolves it; no health at all (no server) leaves it as it is.
    @Test func aSlowAPIAndServerErrorsTellTheAdminsUntilTheServerIsWellAgain() throws {
        let database = try Fixtures.seededDatabase(experts: 4, clients: 4)
        for var rule in try database.alertRules() {
            rule.active = rule.kind.watchesTheServer
            try database.updateAlertRule(rule, by: try Self.adminId(database), at: Fixtures.today)
        }
        let admin = try Self.adminId(database)
        let start = Fixtures.today.addingTimeInterval(3_600)
        func notices(at date: Date) throws -> [String] {
            try database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT kind || ' ' || title FROM notification WHERE userId = ? AND createdAt = ? ORDER BY title", arguments: [admin, date])
            }
        }
        let slow = ServiceHealth(requests: 400, p95Milliseconds: 83.4, serverErrors: 2, windowSeconds: 300)
        #expect(try database.evaluateAlerts(now: start, health: slow).opened == 2)
        #expect(try notices(at: start) == ["system Le serveur a répondu 2 erreurs 5xx", "system L’API répond lentement : 83 ms au 95e centile"])
        #expect(try Self.openAlert(database, "api:p95")?.body.contains("au-dessus du seuil de 50 ms") == true)
        // Still slow a minute later: nobody is told again before the hourly reminder.
        let minute = start.addingTimeInterval(60)
        #expect(try database.evaluateAlerts(now: minute, health: slow) == AlertRound())
        // No server measuring (the seed, `ft` commands): neither told nor resolved.
        #expect(try database.evaluateAlerts(now: minute.addingTimeInterval(60), health: nil) == AlertRound())
        #expect(try Self.openAlert(database, "server:5xx") != nil)
        // Few requests are not a trend; no 5xx in the window: both resolve.
        let quiet = ServiceHealth(requests: 5, p95Milliseconds: 400, serverErrors: 0, windowSeconds: 300)
        #expect(try database.evaluateAlerts(now: minute.addingTimeInterval(120), health: quiet).resolved == 2)
        #expect(try Self.openAlert(database, "api:p95") == nil)
        // The rule's threshold is the admins': 100 ms lets 83 ms pass.
        var rule = try #require(try database.alertRules().first { $0.kind == .apiSlow })
        rule.threshold = 100
        try database.updateAlertRule(rule, by: admin, at: Fixtures.today)
        #expect(try database.evaluateAlerts(now: minute.addingTimeInterval(180), health: ServiceHealth(requests: 400, p95Milliseconds: 83.4, serverErrors: 0, windowSeconds: 300)).opened == 0)
        // A server rule that would tell no admin is refused.
        rule.recipients = [.client, .expert]
        #expect { try database.updateAlertRule(rule, by: admin, at: Fixtures.today) } throws: { ($0 as? AlertRuleError)?.field == "recipients" }
    }

    @Test func workingHoursCountOnlyWeekdaysFromNineToSix() {
        let hours = WorkingHours()
        // Friday 4 December 2026, 17:00 Paris → Monday 7 December, 10:00 Paris.
        let friday = Date(timeIntervalSince1970: 1_796_400_000)
        #expect(hours.hours(from: friday, to: friday.addingTimeInterval(2 * Self.day + 17 * 3_600)) == 2)
        // A whole week: five days of nine hours.
        #expect(hours.hours(from: friday, to: friday.addingTimeInterval(7 * Self.day)) == 45)
        #expect(hours.hours(from: friday, to: friday) == 0)
    }

    /// Long waits are counted by whole weeks: the same as counting every quarter of an hour,
    /// across both changes of clock (29 March and 25 October 2026).
    @Test func longWaitsCountAsManyWorkingHoursAsEveryQuarterHourSays() {
        let hours = WorkingHours()
        var generator = SystemRandomNumberGenerator()
        let january = Date(timeIntervalSince1970: 1_767_225_600) // 1 January 2026, 00:00 UTC
        for _ in 0..<40 {
            let start = january.addingTimeInterval(Double(Int.random(in: 0..<(330 * 96), using: &generator)) * 900)
            let end = start.addingTimeInterval(Double(Int.random(in: 0..<(40 * 96), using: &generator)) * 900)
            var quarters = 0
            var moment = start
            while moment < end {
                let parts = hours.calendar.dateComponents([.weekday, .hour], from: moment)
                if let weekday = parts.weekday, let hour = parts.hour, (2...6).contains(weekday), (9..<18).contains(hour) { quarters += 1 }
                moment.addTimeInterval(900)
            }
            #expect(hours.hours(from: start, to: end) == Double(quarters) / 4, "from \(start) to \(end)")
        }
    }
}

extension AlertRule {
    func with(_ change: (inout AlertRule) -> Void) -> AlertRule {
        var copy = self
        change(&copy)
        return copy
    }
}
