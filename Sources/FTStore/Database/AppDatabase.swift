internal import CSQLiteTuning
internal import Foundation
internal import GRDB
public import Logging

/// The FinancialTracker database: one SQLite file, migrated on open.
///
/// All reads and writes of the domain go through the methods of this type, so that GRDB stays
/// inside FTStore.
public final class AppDatabase: Sendable {
    let writer: any DatabaseWriter
    /// The database file, or `nil` for an in-memory database.
    public let path: String?
    let logger: Logger
    /// Sessions recently found valid (`user(token:now:)`).
    let sessions = SessionCache()
    /// The write-ahead log's length as last checkpointed (`WALCheckpointer`).
    let walLength = WALLength()

    private init(writer: any DatabaseWriter, path: String?, logger: Logger) throws {
        self.writer = writer
        self.path = path
        self.logger = logger
        try Schema.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    ///
    /// A file that is not an SQLite database, or that a newer FinancialTracker wrote, is refused
    /// before anything is written to it.
    /// `memoryMapped`: read pages through a memory map rather than copied by read(2) — faster
    /// for commands that scan most of the database (`ft report`: 2.0 → 1.75 s on the
    /// 10,000-expert one), at the price of a resident size that counts the mapped file.
    public static func open(path: String, logger: Logger = Logger(label: "ft.store"), memoryMapped: Bool = false) throws -> AppDatabase {
        _ = sqliteTuning
        try checkExistingFile(at: path)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(memoryMapped: memoryMapped))
            // GRDB sets `synchronous = NORMAL` on the writer when it turns WAL on, after
            // `prepareDatabase`: set FULL again on the one connection that commits.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            let database = try AppDatabase(writer: pool, path: path, logger: logger)
            logger.debug("opened database", metadata: ["path": "\(path)", "migrations": "\(Schema.migrator.migrations.count)"])
            return database
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notADatabase(path: path)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_PERM {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// A fresh, migrated in-memory database (tests, dry runs).
    public static func inMemory(logger: Logger = Logger(label: "ft.store")) throws -> AppDatabase {
        _ = sqliteTuning
        let queue = try DatabaseQueue(configuration: configuration(memoryMapped: false))
        return try AppDatabase(writer: queue, path: nil, logger: logger)
    }

    /// Folds the write-ahead log into the database file and closes it, so that the file alone holds
    /// everything; the value must not be used afterwards.
    public func close() throws {
        if let pool = writer as? DatabasePool {
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            try pool.close()
        } else if let queue = writer as? DatabaseQueue {
            try queue.close()
        }
    }

    /// Process-wide SQLite settings, made once before the first connection opens: no memory
    /// statistics (they take a global mutex on every allocation; 6 % of the push writer's time).
    /// SQLite's result code; not OK only if another connection opened first, which changes speed only.
    static let sqliteTuning: Int32 = ft_sqlite_disable_memory_statistics()

    private static func configuration(memoryMapped: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "FinancialTracker"
        configuration.prepareDatabase { db in
            // FULL: every commit is on disk (the write-ahead log synced) before it returns, so an
            // acknowledged push survives a power cut, not only a crash. Pushes are committed in
            // groups (`PushQueue`): one sync serves every push of a group. (See also `open`.)
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if memoryMapped { try db.execute(sql: "PRAGMA mmap_size = 1073741824") }
        }
        return configuration
    }

    /// Refuses, without writing to it, a file that is not an SQLite database or whose schema is
    /// newer than this build's.
    private static func checkExistingFile(at path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty, !FileManager.default.isWritableFile(atPath: folder) {
                throw StoreError.cannotOpen(path: path, reason: "the folder \(folder) is missing or not writable")
            }
            return
        }
        if isDirectory.boolValue {
            throw StoreError.cannotOpen(path: path, reason: "it is a folder, not a file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.cannotOpen(path: path, reason: "the file is not readable")
        }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        if header.isEmpty { return }
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError.notADatabase(path: path)
        }
        // Read the applied migrations through a plain connection: a pool would switch the file to
        // WAL and write to it before we could refuse it.
        do {
            let queue = try DatabaseQueue(path: path, configuration: Configuration())
            defer { try? queue.close() }
            let unknown = try queue.read { db -> [String] in
                guard try db.tableExists("grdb_migrations") else { return [] }
                let applied = try Set(String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
                return applied.subtracting(Schema.migrator.migrations).sorted()
            }
            if !unknown.isEmpty {
                throw StoreError.newerSchema(path: path, unknownMigrations: unknown)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw StoreError.notADatabase(path: path)
        }
    }
}
