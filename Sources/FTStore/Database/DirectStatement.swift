internal import GRDB
internal import GRDBSQLite

/// A GRDB statement bound, stepped and read through SQLite's C functions, for the few statements
/// sync's push runs for every operation.
///
/// GRDB's `execute(arguments:)` copies the arguments into an array of boxed values and binds them
/// through one nested closure each; its `Row.fetchOne` builds a dictionary of lowercased column
/// names on every call, even when no row comes back. On the push writer these took about as much
/// time as SQLite's own work on the same statements.
///
/// Every parameter is bound before each run (nothing is left from the previous one). Errors are
/// thrown as GRDB's `DatabaseError` with SQLite's extended code, as GRDB throws them. Only for
/// statements that no GRDB observation needs to see (the store registers none).
struct DirectStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }

    /// The connection's cached statement for `sql` (GRDB rebinds everything whenever it runs it).
    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
    }

    /// Starts a new run: what the previous run stepped is reset. Call it too once done with a
    /// row of a query: a statement left on a row keeps its read, and the connection's snapshot of
    /// the write-ahead log, open after the commit.
    func reset() {
        // Its code repeats the previous step's error, already thrown then.
        _ = sqlite3_reset(handle)
    }

    func bind(_ index: Int32, _ value: String) {
        var value = value
        value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                // A NULL pointer would bind NULL, not an empty text.
                guard let start = text.baseAddress, !text.isEmpty else {
                    _ = sqlite3_bind_text(handle, index, "", 0, transient)
                    return
                }
                _ = sqlite3_bind_text(handle, index, start, Int32(text.count), transient)
            }
        }
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { _ = sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int64) {
        _ = sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { bind(index, value) } else { _ = sqlite3_bind_null(handle, index) }
    }

    /// Steps once: `true` when a row is there to read.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error()
        }
    }

    /// Runs a statement that returns no row.
    func execute() throws {
        while try step() {}
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func text(_ column: Int32) -> String? {
        guard sqlite3_column_type(handle, column) != SQLITE_NULL, let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    private func error() -> DatabaseError {
        let connection = sqlite3_db_handle(handle)
        return DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
            message: String(cString: sqlite3_errmsg(connection)),
            sql: statement.sql
        )
    }
}

/// SQLite copies a value bound with it (the Swift string may move once the call returns).
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
