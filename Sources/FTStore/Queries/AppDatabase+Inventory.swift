internal import Foundation
internal import Crypto
internal import GRDB

/// How many rows one table holds.
public struct TableCount: Sendable, Equatable {
    public var table: String
    public var rows: Int
}

extension AppDatabase {
    /// Row counts of every data table, in schema order.
    public func tableCounts() throws -> [TableCount] {
        try writer.read { db in
            try Schema.dataTables.map { table in
                TableCount(table: table, rows: try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0)
            }
        }
    }

    /// Whether any data table holds a row.
    public func isEmpty() throws -> Bool {
        try tableCounts().allSatisfy { $0.rows == 0 || Schema.settingsTables.contains($0.table) }
    }

    /// The names of the schema migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Schema.migrator.appliedMigrations(db) }
    }

    /// A SHA-256 per data table over every row, in primary-key order, with every column: two
    /// databases with equal digests hold the same data. `except` leaves columns out (`table.column`).
    public func contentDigest(except: Set<String> = []) throws -> [String: String] {
        try writer.read { db in
            var digests: [String: String] = [:]
            for table in Schema.dataTables {
                let columns = try db.columns(in: table).map(\.name).filter { !except.contains("\(table).\($0)") }
                let primaryKey = try db.primaryKey(table).columns
                let sql = "SELECT \(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")) FROM \(table.quotedDatabaseIdentifier) ORDER BY \(primaryKey.map(\.quotedDatabaseIdentifier).joined(separator: ", "))"
                var hasher = SHA256()
                let cursor = try Row.fetchCursor(db, sql: sql)
                while let row = try cursor.next() {
                    for value in row.databaseValues {
                        hasher.update(data: Data(value.description.utf8))
                        hasher.update(data: Data([0x1F]))
                    }
                    hasher.update(data: Data([0x1E]))
                }
                digests[table] = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            }
            return digests
        }
    }

    /// The size of the database file on disk, in bytes (main file plus write-ahead log).
    public func fileSize() -> Int64 {
        guard let path else { return 0 }
        return [path, path + "-wal"].reduce(Int64(0)) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }
}
