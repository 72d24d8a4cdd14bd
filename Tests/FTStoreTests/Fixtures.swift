import FTModel
import FTSeed
import FTStore
import Foundation

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

    /// A fresh folder under the system's temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("ft-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
