internal import Foundation
internal import GRDB

/// A record whose columns and values are listed by hand, for fast inserts (see `StoreBatch`).
protocol BulkInsertable: MutablePersistableRecord {
    /// The columns written, in the order of `columnValues`.
    static var columnNames: [String] { get }
    var columnValues: [DatabaseValue] { get }
    /// Receives the row id SQLite chose; records with their own ids ignore it.
    mutating func didInsert(rowID: Int64)
}

extension BulkInsertable {
    mutating func didInsert(rowID: Int64) {}

    /// GRDB's encoding, from the same lists as the fast path.
    func encodeColumns(to container: inout PersistenceContainer) {
        for (name, value) in zip(Self.columnNames, columnValues) {
            container[name] = value
        }
    }

    static var insertSQL: String {
        let columns = columnNames.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        return "INSERT INTO \(databaseTableName.quotedDatabaseIdentifier) (\(columns)) VALUES (\(databaseQuestionMarks(count: columnNames.count)))"
    }
}

extension DatabaseValueConvertible {
    var bulkValue: DatabaseValue { databaseValue }
}

extension Date {
    /// The same text GRDB stores for a date, made without a `DateFormatter` (which dominated the
    /// cost of bulk inserts).
    var bulkValue: DatabaseValue { DatabaseDate.string(from: self).databaseValue }
}

extension Optional where Wrapped: DatabaseValueConvertible {
    var bulkValue: DatabaseValue { self?.databaseValue ?? .null }
}

extension Optional where Wrapped == Date {
    var bulkValue: DatabaseValue { self?.bulkValue ?? .null }
}

/// Dates as GRDB stores them: `yyyy-MM-dd HH:mm:ss.SSS`, UTC, to the nearest millisecond.
enum DatabaseDate {
    /// The millisecond a stored date stands for: rounded to the nearest, halves up, as ICU does for
    /// GRDB. (Rounded down, a date read back from its text lost a millisecond whenever the
    /// `Double` fell just below it: 1796593532673 ms came back as …672.)
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000 + 0.5).rounded(.down))
    }

    static func string(from date: Date) -> String {
        let milliseconds = milliseconds(date)
        var days = milliseconds / 86_400_000
        var remainder = milliseconds % 86_400_000
        if remainder < 0 {
            remainder += 86_400_000
            days -= 1
        }
        let civil = CivilDate.from(daysSince1970: Int(days))
        let (year, month, day) = (Int64(civil.year), Int64(civil.month), Int64(civil.day))

        var text = ""
        text.reserveCapacity(23)
        func append(_ value: Int64, width: Int) {
            let digits = String(value)
            if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
            text += digits
        }
        append(year, width: 4); text += "-"
        append(month, width: 2); text += "-"
        append(day, width: 2); text += " "
        append(remainder / 3_600_000, width: 2); text += ":"
        append(remainder / 60_000 % 60, width: 2); text += ":"
        append(remainder / 1_000 % 60, width: 2); text += "."
        append(remainder % 1_000, width: 3)
        return text
    }
}
