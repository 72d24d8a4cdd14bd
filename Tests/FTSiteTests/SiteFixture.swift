import FTModel
import FTSeed
import FTSite
@testable import FTStore
import Foundation
import GRDB
import Testing
import FTTestSupport

/// A seeded database and a fresh output folder, with the repository's own templates.
struct SiteFixture {
    static let today = Date(timeIntervalSince1970: 1_795_132_800)
    static let templates: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("site-templates").path
    }()

    let database: AppDatabase
    let output: String

    init(experts: Int = 30, clients: Int = 60, seed: UInt64 = 5) throws {
        database = try AppDatabase.inMemory()
        let configuration = SeedConfiguration(experts: experts, clients: clients, seed: seed, today: Self.today, passwordHasher: PasswordHasher(iterations: 1_000))
        _ = try DemoSeeder(configuration: configuration).seed(into: database)
        output = TestFolder.path("ft-site")
    }

    var configuration: SiteConfiguration {
        SiteConfiguration(templatesDirectory: Self.templates, outputDirectory: output, baseURL: "https://ft.example", today: Self.today)
    }

    @discardableResult
    func generate(_ configuration: SiteConfiguration? = nil) throws -> SiteReport {
        try SiteGenerator(configuration: configuration ?? self.configuration).generate(from: database)
    }

    func read(_ path: String) throws -> String {
        try String(contentsOfFile: output + "/" + path, encoding: .utf8)
    }

    /// Every file of the output, relative path → bytes (the manifest excluded).
    func files() throws -> [String: Data] {
        var result: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: output) else { return [:] }
        for case let path as String in enumerator {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: output + "/" + path, isDirectory: &isDirectory)
            if !isDirectory.boolValue && path != ".ft-manifest" && path != ".ft-state.json" && path != ".ft-search.tsv" {
                result[path] = FileManager.default.contents(atPath: output + "/" + path)
            }
        }
        return result
    }

    func modificationDate(_ path: String) throws -> Date? {
        try FileManager.default.attributesOfItem(atPath: output + "/" + path)[.modificationDate] as? Date
    }

    /// Slugs of the published experts, straight from SQL.
    func publishedSlugs() throws -> Set<String> {
        try database.writer.read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT e.slug FROM expert e JOIN user u ON u.id = e.userId
                WHERE e.approval = 'approved' AND e.active = 1 AND u.active = 1
                """))
        }
    }
}
