import FTModel
import FTSite
@testable import FTStore
import Foundation
import GRDB
import Testing

@Suite struct IncrementalBuildTests {
    @Test func aSecondBuildWithoutChangesWritesNothing() throws {
        let fixture = try SiteFixture()
        let first = try fixture.generate()
        #expect(first.written.count == first.files)
        let stamp = try fixture.modificationDate("index.html")
        let second = try fixture.generate()
        #expect(second.written.isEmpty)
        #expect(second.removed.isEmpty)
        #expect(second.unchanged == first.files)
        #expect(try fixture.modificationDate("index.html") == stamp)
    }

    @Test func oneRatingChangeRewritesExactlyThePagesThatShowTheExpert() throws {
        let fixture = try SiteFixture()
        try fixture.generate()
        let before = try fixture.files()

        // A published expert with a rating whose score can move its average.
        let (ratingId, expertId, slug, score) = try fixture.database.writer.read { db -> (Int64, Int64, String, Int) in
            let row = try #require(try Row.fetchOne(db, sql: """
                SELECT r.id, r.expertId, e.slug, r.score FROM rating r JOIN expert e ON e.id = r.expertId JOIN user u ON u.id = e.userId
                WHERE e.approval = 'approved' AND e.active AND u.active AND r.score >= 3 ORDER BY r.id LIMIT 1
                """))
            return (row[0], row[1], row[2], row[3])
        }
        let rating = try #require(try fixture.database.writer.read { db in try Rating.fetchOne(db, key: ratingId) })
        var changed = rating
        changed.score = score == 5 ? 1 : 5
        changed.updatedAt = SiteFixture.today
        try fixture.database.saveRating(changed)
        let stampsBefore = try Dictionary(uniqueKeysWithValues: before.keys.map { ($0, try fixture.modificationDate($0)) })

        let report = try fixture.generate()
        let after = try fixture.files()

        // Independently: the pages that link to the expert's profile (every card shows its
        // rating) before or after, and the search's facets, which carry every rating (its names
        // and words do not change).
        let link = "href=\"/experts/\(slug)/\""
        let showing = Set(before.filter { String(decoding: $0.value, as: UTF8.self).contains(link) }.keys)
            .union(after.filter { String(decoding: $0.value, as: UTF8.self).contains(link) }.keys)
        let expected = showing.union(["recherche/facettes.bin", "experts/\(slug)/index.html"])
        #expect(Set(report.written) == expected)
        #expect(report.removed.isEmpty)
        #expect(expected.count < before.count / 2, "a rating must not rebuild the site")
        _ = expertId
        for (path, bytes) in before where !expected.contains(path) {
            #expect(after[path] == bytes, "\(path) changed")
            #expect(try fixture.modificationDate(path) == stampsBefore[path] ?? nil, "\(path) was touched")
        }
    }

    @Test(arguments: ["deactivated", "unapproved", "user deactivated", "deleted"])
    func anExpertWhoLeavesDisappearsEverywhere(how: String) throws {
        let fixture = try SiteFixture()
        // A newly approved expert (no assignment yet, so that it may also be deleted).
        let day = SiteFixture.today
        let user = try fixture.database.insert(User(email: "nouvelle@experts.example", role: .expert, displayName: "Inès Nouvelle", createdAt: day))
        let expert = try fixture.database.insert(Expert(
            userId: try #require(user.id), slug: "ines-nouvelle", firstName: "Inès", lastName: "Nouvelle", company: "Nouvelle Conseil",
            headline: "Audit URSSAF", city: "Nantes", postcode: "44000", region: "Pays de la Loire", latitude: 47.2184, longitude: -1.5536,
            bioMarkdown: "Bonjour.", yearsOfExperience: 3, dayRate: 700,
            approval: .approved, approvedAt: day, createdAt: day, updatedAt: day
        ))
        let expertId = try #require(expert.id)
        try fixture.database.insert(ExpertSpecialty(expertId: expertId, productId: 1))
        let userId = try #require(user.id)
        let slug = "ines-nouvelle"
        try fixture.generate()
        #expect(try fixture.read("flux/nouveaux-experts.xml").contains("/experts/\(slug)/"))
        #expect(try fixture.read("recherche/index.json").contains("\"Inès Nouvelle\""))
        #expect(try fixture.read("sitemap.xml").contains("/experts/\(slug)/"))
        switch how {
        case "deactivated": try fixture.database.setExpertActive(id: expertId, active: false, by: nil, at: SiteFixture.today)
        case "unapproved": try fixture.database.setExpertApproval(id: expertId, approval: .pending, by: nil, at: SiteFixture.today)
        case "user deactivated": try fixture.database.setUserActive(id: userId, active: false, by: nil, at: SiteFixture.today)
        default: try fixture.database.deleteExpert(id: expertId)
        }
        let report = try fixture.generate()
        // Its profile goes, and the word files only its words were in ("na" for Nantes, here).
        #expect(report.removed.filter { !$0.hasPrefix("recherche/mots/") } == ["experts/\(slug)/index.html"])
        #expect(!FileManager.default.fileExists(atPath: fixture.output + "/experts/\(slug)"))
        for (path, data) in try fixture.files() {
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains("/experts/\(slug)/"), "\(path) still links to the expert")
            #expect(!text.contains("\"\(slug)\""), "\(path) still lists the expert")
        }
        #expect(try !fixture.read("recherche/index.json").contains("Inès Nouvelle"), "the search still finds the expert")
    }

    @Test func filesTheGeneratorDidNotWriteAreLeftAlone() throws {
        let fixture = try SiteFixture(experts: 6, clients: 10)
        try FileManager.default.createDirectory(atPath: fixture.output, withIntermediateDirectories: true)
        try Data("à moi".utf8).write(to: URL(fileURLWithPath: fixture.output + "/README.md"))
        try fixture.generate()
        try fixture.generate()
        #expect(FileManager.default.contents(atPath: fixture.output + "/README.md") == Data("à moi".utf8))
    }

    @Test func cleanRewritesEverything() throws {
        let fixture = try SiteFixture(experts: 6, clients: 10)
        let first = try fixture.generate()
        var configuration = fixture.configuration
        configuration.clean = true
        let again = try fixture.generate(configuration)
        #expect(again.written.count == first.files)
    }

    @Test func noTemporaryFileIsLeftBehind() throws {
        let fixture = try SiteFixture(experts: 6, clients: 10)
        try fixture.generate()
        #expect(try fixture.files().keys.allSatisfy { !$0.contains(".ft-") && !$0.hasSuffix(".tmp") })
    }

    @Test func aNewFolderAppearsWholeAndNoStagingFolderStays() throws {
        let fixture = try SiteFixture(experts: 6, clients: 10)
        let parent = (fixture.output as NSString).deletingLastPathComponent
        let name = (fixture.output as NSString).lastPathComponent
        let report = try fixture.generate()
        #expect(report.written.count == report.files)
        #expect(try fixture.files().count == report.files)
        #expect(FileManager.default.fileExists(atPath: fixture.output + "/.ft-state.json"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(".\(name).ft-staging-") }
        #expect(leftovers.isEmpty)
        // The next build works in place, and finds nothing to write.
        let again = try fixture.generate()
        #expect(again.written.isEmpty)
    }

    @Test func aFailedBuildOfANewFolderLeavesNothing() throws {
        let fixture = try SiteFixture(experts: 6, clients: 10)
        let parent = (fixture.output as NSString).deletingLastPathComponent
        let name = (fixture.output as NSString).lastPathComponent
        // The snapshot's read fails after the staging folder is made.
        try fixture.database.writer.write { db in try db.execute(sql: "DROP TABLE expertSpecialty") }
        #expect(throws: (any Error).self) { try fixture.generate() }
        #expect(!FileManager.default.fileExists(atPath: fixture.output))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(".\(name).ft-staging-") }
        #expect(leftovers.isEmpty)
    }

    @Test func aStagingFolderLeftByADeadBuildIsRemovedAfterAnHour() throws {
        let fixture = try SiteFixture(experts: 6, clients: 10)
        let parent = (fixture.output as NSString).deletingLastPathComponent
        let name = (fixture.output as NSString).lastPathComponent
        let stale = parent + "/.\(name).ft-staging-1"
        let recent = parent + "/.\(name).ft-staging-2"
        for folder in [stale, recent] { try FileManager.default.createDirectory(atPath: folder + "/experts", withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(atPath: recent) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7_200)], ofItemAtPath: stale)
        try fixture.generate()
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: recent), "a build that may still be running keeps its folder")
    }
}
