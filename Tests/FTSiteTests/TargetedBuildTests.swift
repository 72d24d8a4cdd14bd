import FTModel
import FTSite
@testable import FTStore
import FTSeed
import Foundation
import GRDB
import Testing

/// After a change of ratings or profile text, the generator re-renders only the pages that show
/// those experts; the result must be exactly what a full build from scratch makes.
@Suite struct TargetedBuildTests {
    static func configuration(_ fixture: SiteFixture, output: String? = nil) -> SiteConfiguration {
        SiteConfiguration(templatesDirectory: SiteFixture.templates, outputDirectory: output ?? fixture.output, baseURL: "https://ft.example", pageSize: 4, today: SiteFixture.today)
    }

    /// Files of a folder, bookkeeping excluded.
    static func files(_ folder: String) -> [String: Data] {
        var result: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: folder) ?? FileManager.default.enumerator(atPath: "/dev/null")! {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory)
            if !isDirectory.boolValue && !path.hasPrefix(".ft-") { result[path] = FileManager.default.contents(atPath: folder + "/" + path) }
        }
        return result
    }

    /// Builds again after `change`, then from scratch elsewhere, and compares.
    func expectTargetedEqualsFull(_ fixture: SiteFixture, _ label: String, change: (Database) throws -> Void) throws -> SiteReport {
        try fixture.database.writer.write(change)
        let report = try SiteGenerator(configuration: Self.configuration(fixture)).generate(from: fixture.database)
        #expect(report.mode == .targeted, "\(label): \(report.mode)")
        let scratch = fixture.output + "-full"
        let full = try SiteGenerator(configuration: Self.configuration(fixture, output: scratch)).generate(from: fixture.database)
        #expect(full.mode == .full)
        let targeted = Self.files(fixture.output)
        let expected = Self.files(scratch)
        #expect(targeted.keys.sorted() == expected.keys.sorted(), "\(label)")
        for (path, bytes) in expected where targeted[path] != bytes {
            Issue.record("\(label): \(path) differs from a full build")
        }
        try? FileManager.default.removeItem(atPath: scratch)
        return report
    }

    /// Published experts: the top-rated one, one in the feed, one with few ratings.
    static func publishedExperts(_ db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT e.id FROM expert e JOIN user u ON u.id = e.userId WHERE e.approval = 'approved' AND e.active AND u.active ORDER BY e.id
            """)
    }

    @Test func ratingsAndProfileChangesRenderOnlyWhatShowsThem() throws {
        let fixture = try SiteFixture(experts: 40, clients: 80, seed: 11)
        let first = try fixture.generate(Self.configuration(fixture))
        #expect(first.mode == .full)
        let experts = try fixture.database.writer.read { db in try Self.publishedExperts(db) }
        try #require(experts.count >= 10)

        // A rating moves: its expert's pages, the listings and "similar" lists that show it.
        var report = try expectTargetedEqualsFull(fixture, "score change") { db in
            let rating = try #require(try Int64.fetchOne(db, sql: "SELECT min(id) FROM rating WHERE expertId IN (\(experts.map(String.init).joined(separator: ",")))"))
            try db.execute(sql: "UPDATE rating SET score = CASE score WHEN 5 THEN 1 ELSE 5 END, updatedAt = ? WHERE id = ?", arguments: [SiteFixture.today, rating])
        }
        #expect(report.written.count < report.files / 4, "\(report.written.count) of \(report.files)")
        #expect(report.written.contains("recherche/facettes.bin"))

        // Many five-star ratings: the expert climbs into the home page's top-rated list.
        report = try expectTargetedEqualsFull(fixture, "new ratings") { db in
            let clients = try Int64.fetchAll(db, sql: "SELECT id FROM client WHERE id NOT IN (SELECT clientId FROM rating WHERE expertId = ?) ORDER BY id LIMIT 12", arguments: [experts[1]])
            for client in clients {
                try db.execute(sql: """
                    INSERT INTO rating (clientId, expertId, score, comment, createdAt, updatedAt, hlc) VALUES (?, ?, 5, 'Parfait <b>vraiment</b>', ?, ?, '0001795132800000-00000-test')
                    """, arguments: [client, experts[1], SiteFixture.today, SiteFixture.today])
            }
        }
        #expect(report.written.contains("index.html"))

        // Profile text: headline and bio (the feed shows the headline).
        _ = try expectTargetedEqualsFull(fixture, "profile text") { db in
            // (The old words stay: a word file that would go makes a full build, by design.)
            try db.execute(sql: "UPDATE expert SET headline = headline || ' — nouveau titre & <accroche>', bioMarkdown = '**Bio** revue', updatedAt = ? WHERE id IN (?, ?)", arguments: [SiteFixture.today, experts[2], experts.last])
        }

        // A completed assignment changes the profile's figures.
        _ = try expectTargetedEqualsFull(fixture, "completed assignment") { db in
            try db.execute(sql: "UPDATE expertAssignment SET status = 'completed', completedAt = ? WHERE id = (SELECT min(id) FROM expertAssignment WHERE status <> 'completed' AND expertId = ?)", arguments: [SiteFixture.today, experts[3]])
        }

        // Nothing changed: nothing rendered, nothing written.
        report = try fixture.generate(Self.configuration(fixture))
        #expect(report.mode == .targeted)
        #expect(report.written.isEmpty)
    }

    @Test(arguments: ["name", "deactivated", "specialty", "product", "templates", "another database"])
    func whatMovesExpertsBuildsEverything(change: String) throws {
        let fixture = try SiteFixture(experts: 20, clients: 40, seed: 4)
        var configuration = Self.configuration(fixture)
        try fixture.generate(configuration)
        let expert = try fixture.database.writer.read { db in try Self.publishedExperts(db)[0] }
        var database: AppDatabase = fixture.database
        switch change {
        case "name":
            try database.writer.write { db in try db.execute(sql: "UPDATE expert SET lastName = 'Aaronson' WHERE id = ?", arguments: [expert]) }
        case "deactivated":
            try database.setExpertActive(id: expert, active: false, by: nil, at: SiteFixture.today)
        case "specialty":
            try database.writer.write { db in try db.execute(sql: "DELETE FROM expertSpecialty WHERE expertId = ? AND productId = (SELECT min(productId) FROM expertSpecialty WHERE expertId = ?)", arguments: [expert, expert]) }
        case "product":
            try database.writer.write { db in try db.execute(sql: "UPDATE eligibleProduct SET name = name || ' (2027)' WHERE id = (SELECT min(id) FROM eligibleProduct)") }
        case "templates":
            let copy = fixture.output + "-templates"
            try FileManager.default.copyItem(atPath: SiteFixture.templates, toPath: copy)
            let css = copy + "/assets/site.css"
            try (try String(contentsOfFile: css, encoding: .utf8) + "\n/* retouche */\n").write(toFile: css, atomically: true, encoding: .utf8)
            configuration.templatesDirectory = copy
        default:
            database = try AppDatabase.inMemory()
            _ = try DemoSeeder(configuration: SeedConfiguration(experts: 20, clients: 40, seed: 9, today: SiteFixture.today, passwordHasher: PasswordHasher(iterations: 1_000))).seed(into: database)
        }
        let report = try SiteGenerator(configuration: configuration).generate(from: database)
        #expect(report.mode == .full, "\(change)")
        let scratch = fixture.output + "-full"
        configuration.outputDirectory = scratch
        try SiteGenerator(configuration: configuration).generate(from: database)
        #expect(Self.files(fixture.output) == Self.files(scratch), "\(change)")
    }
}
