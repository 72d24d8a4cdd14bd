import Crypto
import FTModel
import FTSync
import Testing
import FTSeed
@testable import FTStore
import Foundation
import GRDB
import FTTestSupport

/// Shared test data: a small seeded database, pinned to a fixed day.
enum Fixtures {
    /// 2026-11-20 00:00:00 UTC.
    static let today = Date(timeIntervalSince1970: 1_795_132_800)
    /// Cheap hashing: tests are about behaviour, not cost.
    static let hasher = PasswordHasher(iterations: 1_000)

    static func seedConfiguration(experts: Int = 30, clients: Int = 60, seed: UInt64 = 7) -> SeedConfiguration {
        SeedConfiguration(experts: experts, clients: clients, seed: seed, today: today, passwordHasher: hasher)
    }

    static func seededDatabase(experts: Int = 30, clients: Int = 60, seed: UInt64 = 7) throws -> AppDatabase {
        let database = try AppDatabase.inMemory()
        _ = try DemoSeeder(configuration: seedConfiguration(experts: experts, clients: clients, seed: seed)).seed(into: database)
        return database
    }

    /// A seeded database in which the demo client signed in, pushed a message and had one
    /// operation refused: every table holds at least one row.
    static func seededDatabaseWithSync() throws -> AppDatabase {
        let database = try seededDatabase(experts: 6, clients: 12)
        let client = try #require(try database.user(email: DemoAccounts.client))
        _ = try database.signIn(email: DemoAccounts.client, password: DemoAccounts.defaultPassword, now: today)
        let conversation = try SyncFixture.demoConversation(database)
        let actor = SyncActor(user: try #require(client.id), role: .client)
        let hlc = HLCTimestamp(milliseconds: Int64(today.timeIntervalSince1970 * 1_000), node: "test")
        let dossier = try #require(try database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT dossierId FROM conversation WHERE id = ?", arguments: [conversation]) })
        _ = try database.push([
            SyncOperation(id: "fixture-ok", collection: .message, action: .insert, record: "fixture-message", fields: ["conversation": .int(conversation), "body": .string("Bonjour")], hlc: hlc, actor: actor),
            // A document keeps its merge state in `syncRecord` (a message keeps it on its row).
            SyncOperation(id: "fixture-document", collection: .document, action: .insert, record: "fixture-document", fields: ["dossier": .int(dossier), "title": .string("Kbis"), "category": .string("other")], hlc: hlc, actor: actor),
            SyncOperation(id: "fixture-refused", collection: .rating, action: .update, record: "1:1", fields: ["score": .int(9)], hlc: hlc, actor: actor),
            // A dossier opened through sync (its steps, its history).
            SyncOperation(id: "fixture-dossier", collection: .dossier, action: .insert, record: "fixture-dossier", fields: [
                "product": .int(try #require(try database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM eligibleProduct WHERE code = 'BPI'") })),
                "description": .string("Financement d’un nouvel atelier"), "amount": .int(40_000), "answers": .string(#"{"france":"oui"}"#),
            ], hlc: hlc, actor: actor),
        ], actor: actor, now: today)
        // One version's extracted text, as the document indexer records it.
        let version = try #require(try database.storedVersions().first?.id)
        try database.recordText(.text("Facture d'acompte"), versionId: version, fileName: "facture.pdf", index: BlindIndex(documentKey: try DocumentKey.parse(DocumentKey.generate(), source: "test")), at: today)
        // The message's notifications fanned out into deliveries, and an unsubscribe link sent.
        try database.fanOutNotifications(policy: NotificationPolicy())
        try database.recordUnsubscribeToken(hash: LinkTokens.hash("fixture-token"), userId: try #require(client.id), kind: .message, channel: .email, at: today)
        // An alert, acknowledged by an admin.
        let admin = try #require(try database.user(email: DemoAccounts.admin)?.id)
        try database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO alert (ruleId, subject, dossierId, title, body, openedAt, lastNotifiedAt, acknowledgedAt, acknowledgedBy)
                SELECT id, 'step:1', ?, 'Étape en retard', '', ?, ?, ?, ? FROM alertRule WHERE kind = 'step_overdue'
                """, arguments: [dossier, today, today, today, admin])
        }
        // An announcement to the clients.
        try database.sendAnnouncement(title: "Bienvenue", body: "Bonjour à tous.", segment: AnnouncementSegment(role: .client), channels: [.email], by: admin, at: today)
        // A visitor's saved search, confirmed.
        _ = try database.createSearchAlert(email: "visiteur@example.org", criteria: SearchCriteria(words: "TICPE"), nonce: String(repeating: "0", count: 32), tokenHash: LinkTokens.hash("fixture-alert"), now: today)
        _ = try database.confirmSearchAlert(tokenHash: LinkTokens.hash("fixture-alert"), now: today)
        // The demo client asked for a password reset.
        try database.requestPasswordReset(email: DemoAccounts.client, nonce: String(repeating: "1", count: 32), tokenHash: LinkTokens.hash("fixture-reset"), now: today)
        // A browser subscribed to push notifications.
        try database.addPushSubscription(
            userId: try #require(client.id), endpoint: "https://push.example.net/wpush/fixture",
            p256dh: P256.KeyAgreement.PrivateKey().publicKey.x963Representation, auth: Data(repeating: 1, count: 16), at: today
        )
        return database
    }

    /// User 1 (a client), product 1, client 1 and its dossier 1, by plain SQL: for databases
    /// built at an older schema version, which the typed records may no longer fit.
    static func insertOneDossier(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO user (id, email, role, displayName, createdAt) VALUES (1, 'client@exemple.example', 'client', 'Client', '2026-11-20 00:00:00.000');
            INSERT INTO eligibleProduct (id, code, name, category, description, slaDays) VALUES (1, 'CIR', 'Crédit d''impôt recherche', 'tax', '', 90);
            INSERT INTO client (id, userId, companyName, siren, city, postcode, region, sector, employeeCount, createdAt)
            VALUES (1, 1, 'Société', '123456789', 'Lyon', '69001', 'Auvergne-Rhône-Alpes', 'industrie', 12, '2026-11-20 00:00:00.000');
            INSERT INTO dossier (id, clientId, productId, status, estimatedCents, createdAt, updatedAt)
            VALUES (1, 1, 1, 'in_progress', 100, '2026-11-20 00:00:00.000', '2026-11-20 00:00:00.000');
            """)
    }

    /// A fresh folder under the system's temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = TestFolder.path("ft-tests")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
