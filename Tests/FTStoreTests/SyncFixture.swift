import FTModel
import FTSeed
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// The demo dossier shared by the demo client and the demo expert, and the people around it.
struct SyncFixture {
    let database: AppDatabase
    let client: SyncActor
    let expert: SyncActor
    let otherClient: SyncActor
    let admin: SyncActor
    let conversation: Int64
    let dossier: Int64
    let clientId: Int64
    let expertId: Int64
    /// A step of the dossier the client is expected to act on.
    let clientStep: Int64
    var clock: Int64 = Int64(Fixtures.today.timeIntervalSince1970 * 1_000)

    init() throws {
        let database = try Fixtures.seededDatabase(experts: 8, clients: 16)
        self.database = database
        client = try Self.actor(database, DemoAccounts.client, .client)
        expert = try Self.actor(database, DemoAccounts.expert, .expert)
        otherClient = try Self.actor(database, DemoAccounts.otherClient, .client)
        admin = try Self.actor(database, DemoAccounts.admin, .admin)
        conversation = try SyncFixture.demoConversation(database)
        let conversationId = conversation
        let row = try #require(try database.writer.read { db in
            try Row.fetchOne(db, sql: """
                SELECT c.dossierId, d.clientId, a.expertId FROM conversation c JOIN dossier d ON d.id = c.dossierId
                JOIN expertAssignment a ON a.dossierId = d.id WHERE c.id = ?
                """, arguments: [conversationId])
        })
        dossier = row[0]
        clientId = row[1]
        expertId = row[2]
        let dossierId = dossier
        clientStep = try #require(try database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM dossierStep WHERE dossierId = ? AND assigneeRole = 'client'", arguments: [dossierId])
        })
    }

    static func actor(_ database: AppDatabase, _ email: String, _ role: Role) throws -> SyncActor {
        SyncActor(user: try #require(try database.user(email: email)?.id), role: role)
    }

    /// The conversation of the demo client's dossier with the demo expert.
    static func demoConversation(_ database: AppDatabase) throws -> Int64 {
        try #require(try database.writer.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT c.id FROM conversation c JOIN dossier d ON d.id = c.dossierId JOIN client cl ON cl.id = d.clientId
                JOIN user u ON u.id = cl.userId JOIN expertAssignment a ON a.dossierId = d.id JOIN expert e ON e.id = a.expertId
                JOIN user eu ON eu.id = e.userId
                WHERE u.email = ? AND eu.email = ? AND a.status <> 'cancelled' ORDER BY c.id LIMIT 1
                """, arguments: [DemoAccounts.client, DemoAccounts.expert])
        })
    }

    /// The demo expert finishes its mission on the demo dossier: the client may rate it from then on.
    func completeAssignment() throws {
        let dossier = dossier
        try database.writer.write { db in
            try db.execute(sql: "UPDATE expertAssignment SET status = 'completed', completedAt = coalesce(completedAt, startedAt, requestedAt) WHERE dossierId = ? AND status <> 'cancelled'", arguments: [dossier])
        }
    }

    mutating func hlc(_ node: String = "device") -> HLCTimestamp {
        clock += 1_000
        return HLCTimestamp(milliseconds: clock, node: node)
    }

    var now: Date { Date(timeIntervalSince1970: Double(clock) / 1_000 + 1) }
}
