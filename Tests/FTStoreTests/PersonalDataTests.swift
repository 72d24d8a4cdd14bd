import FTModel
import FTSeed
@testable import FTStore
import Foundation
import GRDB
import Testing

/// The export of one person's data: theirs, all of it that the sections name, and no secret.
@Suite struct PersonalDataTests {
    @Test func aClientGetsTheirOwnDataWithoutSecrets() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let (userId, otherEmail) = try database.writer.read { db in
            (try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = ?", arguments: [DemoAccounts.client]) ?? 0,
             try String.fetchOne(db, sql: "SELECT email FROM user WHERE role = 'client' AND email <> ? LIMIT 1", arguments: [DemoAccounts.client]) ?? "")
        }
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO session (tokenHash, userId, createdAt, expiresAt) VALUES (?, ?, ?, ?)", arguments: [String(repeating: "7f", count: 32), userId, Fixtures.today, Fixtures.today.addingTimeInterval(86_400)])
        }
        let data = try #require(try database.personalData(userId: userId, now: Fixtures.today))
        let export = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let account = try #require(export["account"] as? [String: Any])
        #expect(account["email"] as? String == DemoAccounts.client && account["passwordHash"] == nil)
        #expect((export["client"] as? [String: Any])?["siren"] as? String != nil && export["expert"] is NSNull)
        let dossiers = try #require(export["dossiers"] as? [[String: Any]])
        let mine = try database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM dossier WHERE clientId = (SELECT id FROM client WHERE userId = ?)", arguments: [userId])
        }
        #expect(dossiers.count == mine && dossiers.allSatisfy { ($0["export"] as? String)?.hasSuffix("/export.zip") == true })
        let written = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM message WHERE authorId = ?", arguments: [userId]) }
        #expect((export["messagesWritten"] as? [Any])?.count == written && (written ?? 0) > 0)
        let sessions = try #require(export["sessions"] as? [[String: Any]])
        #expect(!sessions.isEmpty && sessions.allSatisfy { $0["tokenHash"] == nil })
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains(otherEmail), "nobody else's address")
        #expect(!text.contains("pbkdf2") && !text.contains("tokenHash") && !text.contains(String(repeating: "7f", count: 32)), "no hash of a password or a token")
        #expect(try database.personalData(userId: 999_999, now: Fixtures.today) == nil)
    }

    @Test func anExpertGetsTheirProfileSchemesAndRatings() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let userId = try database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = ?", arguments: [DemoAccounts.expert]) } ?? 0
        let data = try #require(try database.personalData(userId: userId, now: Fixtures.today))
        let export = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expert = try #require(export["expert"] as? [String: Any])
        #expect(expert["bioMarkdown"] as? String != nil && expert["languages"] is [String], "lists as lists")
        #expect((export["expertSchemes"] as? [Any])?.isEmpty == false && export["client"] is NSNull)
        let received = try database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM rating WHERE expertId = (SELECT id FROM expert WHERE userId = ?)", arguments: [userId])
        }
        #expect((export["ratingsReceived"] as? [Any])?.count == received)
    }
}
