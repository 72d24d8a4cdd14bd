internal import Foundation
public import FTSync
internal import FTModel

/// What an operation's write needs that the database does not decide: its delta (the merge state
/// it brings), that delta and its fields as JSON, its timestamp as text and as a date. Worked out
/// when a `PushBatch` is made, on the request's thread, so that the single writer does less per
/// operation (these were about a tenth of its time).
struct PreparedOperation: Sendable {
    /// `nil` when the operation carries no state (the validator refuses it first).
    var delta: RecordState?
    /// `delta` as stored, for a record the operation creates; `nil` when `StateJSON` leaves it to
    /// `JSONEncoder` (steps), and for messages (they keep their state on their row).
    var deltaJSON: String?
    var fieldsJSON: String
    var stamp: StampTexts

    init(_ operation: SyncOperation) {
        delta = Replica.delta(of: operation)
        deltaJSON = operation.collection == .message ? nil : delta.flatMap(StateJSON.text)
        fieldsJSON = StateJSON.text(operation.fields)
        stamp = StampTexts(operation.hlc)
    }
}

/// One timestamp's text forms, worked out once: the stored HLC text and the date it stands for.
struct StampTexts: Sendable {
    var hlc: HLCTimestamp
    var text: String
    var date: String

    init(_ hlc: HLCTimestamp) {
        self.hlc = hlc
        text = hlc.description
        date = SyncProjection.date(hlc)
    }

    /// `stamp`'s text: the one worked out if it is this timestamp.
    func text(of stamp: HLCTimestamp) -> String {
        stamp == hlc ? text : stamp.description
    }

    /// `stamp`'s date as the database stores it.
    func date(of stamp: HLCTimestamp) -> String {
        stamp == hlc ? date : SyncProjection.date(stamp)
    }
}
