import FTModel
@testable import FTStore
import Foundation
import GRDB
import Testing

/// What admins do to accounts: the list's filters, deactivation ending sessions, roles that need
/// their profile, applications decided and told, and the audit log of each.
@Suite struct AdminUserTests {
    static func admin(_ database: AppDatabase) throws -> Int64 {
        try #require(try database.user(email: "admin@financialtracker.example")?.id)
    }

    @Test func theListFiltersSortsAndPages() throws {
        let database = try Fixtures.seededDatabase(experts: 30, clients: 60)
        let all = try database.adminUsers(UserQuery())
        let count = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM user") }
        #expect(all.total == count && all.rows.count == min(count ?? 0, UserQuery.pageSize))
        let experts = try database.adminUsers(UserQuery(role: .expert))
        #expect(experts.rows.allSatisfy { $0.role == .expert } && experts.total > 0)
        let pending = try database.adminUsers(UserQuery(state: .pending))
        let waiting = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM expert WHERE approval = 'pending'") }
        #expect(pending.total == waiting && pending.rows.allSatisfy { $0.approval == "pending" })
        let byName = try database.adminUsers(UserQuery(order: .name)).rows.map(\.displayName)
        #expect(byName == byName.sorted { $0.lowercased() < $1.lowercased() } || byName.count < 2)
        let second = try database.adminUsers(UserQuery(page: 2))
        #expect(Set(second.rows.map(\.id)).isDisjoint(with: all.rows.map(\.id)))
        let one = try #require(all.rows.last)
        let found = try database.adminUsers(UserQuery(words: one.email.uppercased()))
        #expect(found.rows.map(\.id) == [one.id])
        #expect(try database.adminUsers(UserQuery(words: "100%_\\")).total == 0, "LIKE wildcards are literal")
    }

    @Test func aDeactivationEndsTheSessionsAndIsAudited() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let admin = try Self.admin(database)
        let user = try #require(try database.user(email: "client@financialtracker.example"))
        let session = try #require(try database.openSession(for: user, now: Fixtures.today))
        #expect(try database.setUserActive(try #require(user.id), active: false, by: admin, now: Fixtures.today))
        #expect(try !database.setUserActive(try #require(user.id), active: false, by: admin, now: Fixtures.today), "twice changes nothing")
        #expect(try database.user(token: session.token, now: Fixtures.today) == nil)
        #expect(try database.authenticateEvenly(email: user.email, password: "demo-financialtracker") == nil)
        let audit = try database.auditEntries(userId: try #require(user.id))
        #expect(audit.first?.entry.action == "user.deactivate" && audit.first?.entry.actorId == admin && audit.first?.entry.detail.contains("\"before\":\"actif\"") == true)
        #expect(throws: AdminUserActionError.refused("Vous ne pouvez pas désactiver votre propre compte.")) { try database.setUserActive(admin, active: false, by: admin, now: Fixtures.today) }
    }

    @Test func aRoleNeedsItsProfile() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let admin = try Self.admin(database)
        let client = try #require(try database.user(email: "client@financialtracker.example")?.id)
        #expect(throws: AdminUserActionError.self) { try database.setUserRole(client, to: .expert, by: admin, now: Fixtures.today) }
        #expect(try database.setUserRole(client, to: .admin, by: admin, now: Fixtures.today))
        #expect(try database.setUserRole(client, to: .client, by: admin, now: Fixtures.today))
        #expect(throws: AdminUserActionError.self) { try database.setUserRole(admin, to: .client, by: admin, now: Fixtures.today) }
    }

    @Test func anApplicationIsDecidedAndTheExpertTold() throws {
        let database = try Fixtures.seededDatabase(experts: 30, clients: 5)
        let admin = try Self.admin(database)
        let pending = try database.writer.read { db in try Int64.fetchAll(db, sql: "SELECT userId FROM expert WHERE approval = 'pending' ORDER BY id LIMIT 2") }
        try #require(pending.count == 2)
        #expect(throws: AdminUserActionError.self) { try database.decideExpert(userId: pending[1], approve: false, reason: "  ", by: admin, now: Fixtures.today) }
        try database.decideExpert(userId: pending[0], approve: true, reason: "", by: admin, now: Fixtures.today)
        try database.decideExpert(userId: pending[1], approve: false, reason: "Pas d’attestation d’assurance.", by: admin, now: Fixtures.today)
        let rows = try pending.map { try #require(try database.adminUser(id: $0)) }
        #expect(rows[0].approval == "approved" && rows[1].approval == "rejected" && rows[1].rejectionReason == "Pas d’attestation d’assurance.")
        let told = try database.writer.read { db in try Row.fetchAll(db, sql: "SELECT userId, kind, body FROM notification WHERE userId IN (?, ?) AND createdAt = ?", arguments: [pending[0], pending[1], Fixtures.today]) }
        #expect(told.count == 2)
        #expect(told.contains { ($0["kind"] as String) == "expert_approved" && ($0["userId"] as Int64) == pending[0] })
        #expect(told.contains { ($0["kind"] as String) == "system" && ($0["body"] as String).contains("Pas d’attestation d’assurance.") })
        #expect(try database.auditEntries(userId: pending[1]).first?.entry.action == "expert.reject")
        let changes = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM siteChange WHERE expertId IN (SELECT id FROM expert WHERE userId = ?)", arguments: [pending[0]]) }
        #expect((changes ?? 0) > 0, "the public pages are to follow")
    }
}
