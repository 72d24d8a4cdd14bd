import FTModel
import FTSeed
import FTStore
import Foundation
import Testing

@Suite struct SeedTests {
    /// 2026-11-20 00:00:00 UTC.
    static let today = Date(timeIntervalSince1970: 1_795_132_800)

    func seed(experts: Int = 25, clients: Int = 50, seed: UInt64 = 11) throws -> (AppDatabase, SeedReport) {
        let database = try AppDatabase.inMemory()
        let configuration = SeedConfiguration(
            experts: experts, clients: clients, seed: seed, today: Self.today,
            passwordHasher: PasswordHasher(iterations: 1_000)
        )
        let report = try DemoSeeder(configuration: configuration).seed(into: database)
        return (database, report)
    }

    @Test func theSameArgumentsGiveTheSameDatabase() throws {
        let (first, _) = try seed()
        let (second, _) = try seed()
        let a = try first.contentDigest()
        let b = try second.contentDigest()
        #expect(a.count >= 18)
        #expect(a == b)
        // Row by row too, on the records people see.
        #expect(try first.publishedExperts(limit: 1_000) == second.publishedExperts(limit: 1_000))
        #expect(try first.dossiers(clientId: 3) == second.dossiers(clientId: 3))
    }

    @Test func anotherSeedGivesOtherData() throws {
        let (first, _) = try seed(seed: 11)
        let (second, _) = try seed(seed: 12)
        let a = try first.contentDigest()
        let b = try second.contentDigest()
        #expect(a["expert"] != b["expert"])
        #expect(a["dossier"] != b["dossier"])
        // The fixed catalogue of schemes does not depend on the seed.
        #expect(a["eligibleProduct"] == b["eligibleProduct"])
    }

    @Test func addingClientsDoesNotChangeTheExperts() throws {
        let (small, _) = try seed(clients: 10)
        let (large, _) = try seed(clients: 40)
        // (Except the day each was last active: it follows their conversations with the clients.)
        #expect(try small.contentDigest(except: ["expert.lastActiveDay"])["expert"] == large.contentDigest(except: ["expert.lastActiveDay"])["expert"])
    }

    @Test func theReportCountsWhatIsInTheDatabase() throws {
        let (database, report) = try seed()
        #expect(report.counts == (try database.tableCounts()))
        let rows = Dictionary(uniqueKeysWithValues: report.counts.map { ($0.table, $0.rows) })
        #expect(rows["expert"] == 25)
        #expect(rows["client"] == 50)
        #expect(rows["user"] == 25 + 50 + 3)
        #expect(rows["eligibleProduct"] ?? 0 >= 15)
        for table in ["dossier", "expertAssignment", "dossierStep", "document", "documentVersion", "conversation", "message", "readReceipt", "rating", "notification", "auditLog", "expertSpecialty"] {
            #expect((rows[table] ?? 0) > 0, "no rows in \(table)")
        }
        #expect(report.accounts == [DemoAccounts.admin, DemoAccounts.expert, DemoAccounts.client, DemoAccounts.otherClient])
    }

    @Test func dossiersAndAssignmentsComeInEveryStatus() throws {
        let (database, _) = try seed(experts: 30, clients: 120)
        var dossierStatuses = Set<DossierStatus>()
        var assignmentStatuses = Set<AssignmentStatus>()
        var stepStatuses = Set<StepStatus>()
        for clientId in 1...120 {
            for dossier in try database.dossiers(clientId: Int64(clientId)) {
                dossierStatuses.insert(dossier.status)
                for assignment in try database.assignments(dossierId: dossier.id ?? 0) { assignmentStatuses.insert(assignment.status) }
                for step in try database.steps(dossierId: dossier.id ?? 0) { stepStatuses.insert(step.status) }
            }
        }
        #expect(dossierStatuses == Set(DossierStatus.allCases))
        #expect(assignmentStatuses == Set(AssignmentStatus.allCases))
        #expect(stepStatuses == Set(StepStatus.allCases))
    }

    @Test func everyDateIsOnOrBeforeTodayExceptDueDates() throws {
        let (database, _) = try seed()
        for clientId in 1...50 {
            for dossier in try database.dossiers(clientId: Int64(clientId)) {
                #expect(dossier.createdAt <= Self.today)
                #expect((dossier.closedAt ?? dossier.createdAt) >= dossier.createdAt)
                if let conversation = try database.conversation(dossierId: dossier.id ?? 0) {
                    for message in try database.messages(conversationId: conversation.id ?? 0) {
                        #expect(message.createdAt <= Self.today)
                        #expect(HLCTimestamp(message.hlc) != nil, "malformed HLC \(message.hlc)")
                    }
                }
            }
        }
    }

    @Test func expertsLiveInRealFrenchCitiesWithMarkdownBios() throws {
        let (database, _) = try seed()
        let experts = try database.publishedExperts(limit: 1_000)
        #expect(!experts.isEmpty)
        for expert in experts {
            // Metropolitan France.
            #expect((41.0...51.5).contains(expert.latitude) && (-5.5...10.0).contains(expert.longitude), "\(expert.city) is off the map")
            #expect(expert.postcode.count == 5)
            #expect(expert.bioMarkdown.contains("\n- **"), "a bio needs a list")
            #expect(expert.bioMarkdown.contains("| --- |"), "a bio needs a table")
            #expect(try !database.specialties(expertId: expert.id ?? 0).isEmpty)
        }
    }

    @Test func onlyTheDemoAccountsCanSignIn() throws {
        let (database, _) = try seed()
        for email in [DemoAccounts.admin, DemoAccounts.expert, DemoAccounts.client, DemoAccounts.otherClient] {
            let user = try database.authenticate(email: email, password: DemoAccounts.defaultPassword)
            #expect(user?.email == email)
            #expect(try database.authenticate(email: email, password: "wrong password") == nil)
            let stored = try #require(try database.user(email: email)?.passwordHash)
            #expect(!stored.contains(DemoAccounts.defaultPassword))
        }
        #expect(try database.authenticate(email: DemoAccounts.admin.uppercased(), password: DemoAccounts.defaultPassword) != nil)
        let generated = try #require(try database.user(id: 10))
        #expect(generated.passwordHash == nil)
        #expect(try database.authenticate(email: generated.email, password: DemoAccounts.defaultPassword) == nil)
    }

    @Test func aDeactivatedUserCannotSignIn() throws {
        let database = try AppDatabase.inMemory()
        let hasher = PasswordHasher(iterations: 1_000)
        try database.insert(User(email: "ancien@exemple.example", passwordHash: try hasher.hash("s3cret!"), role: .client, displayName: "Ancien client", active: false, createdAt: Self.today))
        #expect(try database.authenticate(email: "ancien@exemple.example", password: "s3cret!") == nil)
    }

    @Test func aFailingSeedWritesNothing() throws {
        let database = try AppDatabase.inMemory()
        // An admin already holds the demo admin's email: the seed must fail and roll back whole.
        try database.insert(User(email: DemoAccounts.admin, role: .admin, displayName: "Déjà là", createdAt: Self.today))
        let configuration = SeedConfiguration(experts: 3, clients: 3, seed: 1, today: Self.today, passwordHasher: PasswordHasher(iterations: 1_000))
        #expect(throws: StoreError.self) { try DemoSeeder(configuration: configuration).seed(into: database) }
        // The alert rules' defaults are there from the start, not written by the seed.
        let rows = try database.tableCounts().filter { $0.table != "alertRule" }.reduce(0) { $0 + $1.rows }
        #expect(rows == 1)
    }
}
