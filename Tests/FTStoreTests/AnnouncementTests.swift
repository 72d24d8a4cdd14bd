import FTModel
import FTSeed
@testable import FTStore
import Foundation
import GRDB
import Testing

/// Announcements to a segment and the scheduled reports' notices: who is reached (counted
/// independently here, from the tables), what is refused with nothing written, and that a report
/// is announced once per admin.
@Suite struct AnnouncementTests {
    static func admin(_ database: AppDatabase) throws -> Int64 {
        try #require(try database.user(email: DemoAccounts.admin)?.id)
    }

    /// The users a segment should reach, computed from the tables one user at a time.
    static func expected(_ database: AppDatabase, _ segment: AnnouncementSegment) throws -> Set<Int64> {
        try database.writer.read { db in
            var reached: Set<Int64> = []
            for user in try Row.fetchAll(db, sql: "SELECT id, role, active, lastSeenAt FROM user") {
                let id: Int64 = user["id"]
                let role: String = user["role"]
                guard user["active"] as Bool else { continue }
                if let wanted = segment.role, wanted.rawValue != role { continue }
                if let since = segment.activeSince {
                    guard let seen = user["lastSeenAt"] as Date?, seen >= since else { continue }
                }
                let clientRegion = try String.fetchOne(db, sql: "SELECT region FROM client WHERE userId = ?", arguments: [id])
                let expertRegion = try String.fetchOne(db, sql: "SELECT region FROM expert WHERE userId = ?", arguments: [id])
                if let region = segment.region, clientRegion != region, expertRegion != region { continue }
                if let product = segment.productId {
                    let dossiers = try Int64.fetchAll(db, sql: "SELECT d.productId FROM dossier d JOIN client c ON c.id = d.clientId WHERE c.userId = ?", arguments: [id])
                    let specialties = try Int64.fetchAll(db, sql: "SELECT s.productId FROM expertSpecialty s JOIN expert e ON e.id = s.expertId WHERE e.userId = ?", arguments: [id])
                    guard (role == "client" && dossiers.contains(product)) || (role == "expert" && specialties.contains(product)) else { continue }
                }
                reached.insert(id)
            }
            return reached
        }
    }

    static func told(_ database: AppDatabase, kind: String = "announcement") throws -> [Int64] {
        try database.writer.read { db in try Int64.fetchAll(db, sql: "SELECT userId FROM notification WHERE kind = ? ORDER BY userId", arguments: [kind]) }
    }

    @Test func anAnnouncementReachesExactlyItsSegmentInOneTransaction() throws {
        let database = try Fixtures.seededDatabase()
        let admin = try Self.admin(database)
        let choices = try database.announcementChoices()
        let product = try #require(choices.products.first).id
        let region = try #require(choices.regions.first)
        let since = Fixtures.today.addingTimeInterval(-7 * 86_400)
        let segments = [
            AnnouncementSegment(), AnnouncementSegment(role: .expert), AnnouncementSegment(role: .client, region: region),
            AnnouncementSegment(productId: product), AnnouncementSegment(role: .client, activeSince: since),
        ]
        for (index, segment) in segments.enumerated() {
            let expected = try Self.expected(database, segment)
            #expect(try database.announcementAudience(segment) == expected.count, "count of \(segment)")
            if expected.isEmpty { continue }
            let before = try Self.told(database)
            let sent = try database.sendAnnouncement(
                title: "Annonce \(index)", body: "Texte \(index)", segment: segment, channels: index.isMultiple(of: 2) ? [.email] : [.email, .push],
                by: admin, at: Fixtures.today
            )
            #expect(sent.recipients == expected.count)
            let now = try Self.told(database)
            #expect(Set(now).subtracting(before).count <= expected.count)
            let reached = try database.writer.read { db in
                Set(try Int64.fetchAll(db, sql: "SELECT userId FROM notification WHERE kind = 'announcement' AND title = ?", arguments: ["Annonce \(index)"]))
            }
            #expect(reached == expected, "segment \(segment)")
            let channels = try database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT channels FROM notification WHERE title = ?", arguments: ["Annonce \(index)"])
            }
            #expect(channels == [index.isMultiple(of: 2) ? "email" : "email,push"])
        }
        // Not everyone: the segments narrow.
        #expect(try database.announcementAudience(AnnouncementSegment(role: .expert)) < database.announcementAudience(AnnouncementSegment()))
        let history = try database.announcements()
        #expect(history.count == segments.count)
        #expect(history.first?.title == "Annonce 4")
        #expect(history.first?.segment == segments[4])
        #expect(history.first?.author != nil)
        let audit = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM auditLog WHERE action = 'announcement.send'") }
        #expect(audit == segments.count)
    }

    @Test func aDeactivatedUserIsNotReached() throws {
        let database = try Fixtures.seededDatabase(experts: 6, clients: 12)
        let client = try #require(try database.user(email: DemoAccounts.client)?.id)
        let before = try database.announcementAudience(AnnouncementSegment(role: .client))
        try database.writer.write { db in try db.execute(sql: "UPDATE user SET active = 0 WHERE id = ?", arguments: [client]) }
        #expect(try database.announcementAudience(AnnouncementSegment(role: .client)) == before - 1)
        try database.sendAnnouncement(title: "Titre", body: "Texte", segment: AnnouncementSegment(role: .client), channels: [], by: try Self.admin(database), at: Fixtures.today)
        #expect(!(try Self.told(database)).contains(client))
    }

    @Test func badInputIsRefusedByFieldAndWritesNothing() throws {
        let database = try Fixtures.seededDatabase(experts: 6, clients: 12)
        let admin = try Self.admin(database)
        let cases: [(String, String, AnnouncementSegment, String)] = [
            ("", "Texte", AnnouncementSegment(), "title"),
            ("   ", "Texte", AnnouncementSegment(), "title"),
            (String(repeating: "a", count: 121), "Texte", AnnouncementSegment(), "title"),
            ("Deux\nlignes", "Texte", AnnouncementSegment(), "title"),
            ("Titre", " \n ", AnnouncementSegment(), "body"),
            ("Titre", String(repeating: "é", count: 4_001), AnnouncementSegment(), "body"),
            ("Titre", "Texte\u{0}", AnnouncementSegment(), "body"),
            ("Titre", "Texte", AnnouncementSegment(productId: 99_999), "product"),
            ("Titre", "Texte", AnnouncementSegment(region: "Atlantide"), "region"),
            ("Titre", "Texte", AnnouncementSegment(activeSince: Fixtures.today.addingTimeInterval(86_400)), "activeSince"),
            // An admin holds no scheme: nobody is reached.
            ("Titre", "Texte", AnnouncementSegment(role: .admin, productId: 1), "segment"),
        ]
        for (title, body, segment, field) in cases {
            #expect(throws: AnnouncementError.self) { try database.sendAnnouncement(title: title, body: body, segment: segment, channels: [.email], by: admin, at: Fixtures.today) }
            do {
                try database.sendAnnouncement(title: title, body: body, segment: segment, channels: [.email], by: admin, at: Fixtures.today)
            } catch let error as AnnouncementError {
                #expect(error.field == field, "\(title.prefix(10)) / \(body.prefix(10)): \(error.message)")
                #expect(!error.message.isEmpty)
            }
        }
        #expect(try database.announcements().isEmpty)
        #expect(try Self.told(database).isEmpty)
        let audit = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM auditLog WHERE action = 'announcement.send'") }
        #expect(audit == 0)
    }

    @Test func theDraftNamesItsSegmentOrSaysWhichFieldIsWrong() throws {
        var draft = AnnouncementDraft()
        draft.role = "expert"
        draft.product = "3"
        draft.region = "Bretagne"
        draft.since = "2026-02-28"
        let segment = try draft.segment().get()
        #expect(segment.role == .expert && segment.productId == 3 && segment.region == "Bretagne")
        #expect(segment.activeSince == Date(timeIntervalSince1970: 1_772_236_800))
        for (field, value) in [("role", "boss"), ("product", "trois"), ("product", "-1"), ("since", "2026-02-30"), ("since", "28/02/2026"), ("since", "2026-2-8")] {
            var wrong = AnnouncementDraft()
            switch field {
            case "role": wrong.role = value
            case "product": wrong.product = value
            default: wrong.since = value
            }
            guard case .failure(let problem) = wrong.segment() else {
                Issue.record("\(field)=\(value) accepted")
                continue
            }
            #expect(problem.message.contains("« \(field) »"), "\(problem.message)")
        }
        #expect(try AnnouncementDraft().segment().get() == AnnouncementSegment())
    }

    @Test func aReportIsAnnouncedOnceToEachActiveAdminAndMailedOnlyToThoseWhoAsked() throws {
        let database = try Fixtures.seededDatabase(experts: 6, clients: 12)
        try database.skipNotificationsFannedOut()
        let admins = try database.writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM user WHERE role = 'admin' AND active = 1 ORDER BY id") }
        #expect(admins.count >= 2)
        // The first admin asked for the weekly report by e-mail (as the preferences page does).
        try database.writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO notificationPreference (userId, kind, channel, enabled) VALUES (?, 'report_weekly', 'email', 1)", arguments: [admins[0]])
        }
        let target = "/admin/rapports/weekly/2026-W47.html"
        #expect(try database.notifyAdminsOfReport(kind: .reportWeekly, title: "Rapport de la semaine 47", body: "Prêt.", target: target, at: Fixtures.today) == admins.count)
        #expect(try database.notifyAdminsOfReport(kind: .reportWeekly, title: "Rapport de la semaine 47", body: "Prêt.", target: target, at: Fixtures.today) == 0)
        #expect(try Self.told(database, kind: "report_weekly") == admins)
        try database.fanOutNotifications(policy: NotificationPolicy(quietHours: QuietHours(startHour: 0, endHour: 0)), channels: [.email])
        let mails = try database.mailsToSend(now: Fixtures.today.addingTimeInterval(60), policy: NotificationPolicy(), domain: "test")
        #expect(mails.map(\.userId) == [admins[0]])
        #expect(mails.first?.items.map(\.target) == [target])
        // Another week: told again, once.
        #expect(try database.notifyAdminsOfReport(kind: .reportWeekly, title: "Rapport de la semaine 48", body: "Prêt.", target: "/admin/rapports/weekly/2026-W48.html", at: Fixtures.today) == admins.count)
    }

    @Test func widenedKindsKeepEveryRowOfAnOlderDatabase() throws {
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue, upTo: "v18-measured-activity")
        try queue.write { db in
            try Fixtures.insertOneDossier(db)
            try db.execute(sql: "INSERT INTO notification (userId, kind, title, body, createdAt) VALUES (1, 'message', 'Avant', 'corps', '2026-11-20 00:00:00.000')")
            try db.execute(sql: "INSERT INTO notificationPreference (userId, kind, channel, enabled) VALUES (1, 'message', 'email', 0)")
            try db.execute(sql: "INSERT INTO notificationDelivery (notificationId, userId, channel, notBefore) VALUES (1, 1, 'email', '2026-11-20 00:00:00.000')")
        }
        try Schema.migrator.migrate(queue)
        try queue.write { db in
            #expect(try String.fetchAll(db, sql: "SELECT title FROM notification") == ["Avant"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM notificationPreference WHERE enabled = 0") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM notificationDelivery") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_foreign_key_check") == 0)
            #expect(try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'notification'")) == ["notification_userId", "notification_unread"])
            try db.execute(sql: "INSERT INTO notification (userId, kind, title, body, createdAt) VALUES (1, 'announcement', 'Après', 'corps', '2026-11-21 00:00:00.000')")
            try db.execute(sql: "INSERT INTO notificationPreference (userId, kind, channel, enabled) VALUES (1, 'report_monthly', 'email', 1)")
            // Deleting the user still takes their notifications and deliveries (the CASCADEs held).
            try db.execute(sql: "DELETE FROM user WHERE id = 1")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM notification") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM notificationDelivery") == 0)
        }
    }
}

/// An announcement to everyone is fanned out in short transactions, each notification once,
/// exactly as one long transaction would.
@Suite struct FanOutInBatchesTests {
    static func deliveries(_ database: AppDatabase) throws -> [String] {
        try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT notificationId || ' ' || userId || ' ' || channel || ' ' || notBefore FROM notificationDelivery ORDER BY 1")
        }
    }

    @Test func batchesFanOutEveryNotificationOnceAsOneTransactionWould() throws {
        let policy = NotificationPolicy(quietHours: QuietHours(startHour: 0, endHour: 0))
        var made: [[String]] = []
        for batch in [7, 10_000] {
            let database = try Fixtures.seededDatabase(experts: 6, clients: 40)
            try database.skipNotificationsFannedOut()
            let admin = try AnnouncementTests.admin(database)
            let sent = try database.sendAnnouncement(title: "À tous", body: "Texte", segment: AnnouncementSegment(), channels: [.email], by: admin, at: Fixtures.today)
            #expect(sent.recipients > 7 * 3, "more notifications than a few batches hold")
            let count = try database.fanOutAllNotifications(policy: policy, channels: [.email], batch: batch)
            #expect(count == sent.recipients)
            // Nothing left: the cursor is at the last notification.
            #expect(try database.fanOutAllNotifications(policy: policy, channels: [.email], batch: batch) == 0)
            made.append(try Self.deliveries(database))
        }
        #expect(made[0] == made[1])
    }
}
