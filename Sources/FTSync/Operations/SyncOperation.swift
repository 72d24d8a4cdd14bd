public import FTModel

/// The collections a device may change offline.
public enum SyncCollection: String, Sendable, Codable, CaseIterable {
    /// Chat messages; record id made by the device.
    case message
    /// How far a user has read a conversation; record id `"<conversation>:<user>"`.
    case readReceipt
    /// A client's rating of an expert; record id `"<client>:<expert>"`.
    case rating
    /// A dossier's document (title, category); record id made by the device.
    case document
    /// One uploaded version of a document, and its validation; record id made by the device.
    case documentVersion
    /// A workflow step of a dossier; record id is the step's id.
    case step
    /// A user's wish for one kind of notification on one channel; record id
    /// `"<user>:<kind>:<channel>"`. It belongs to its user, not to a dossier.
    case preference
    /// A client's request for a new dossier (scheme, description, estimate, answers, the expert
    /// asked for); record id made by the device. The server opens the dossier from it.
    case dossier
    /// An expert's answer to a dossier offered to them (accepted or declined); record id is the
    /// offer's (the assignment's) number. The first answer stands.
    case offer
}

public enum SyncAction: String, Sendable, Codable, CaseIterable {
    case insert
    case update
    case delete
}

/// Who made a change: taken from the signed-in session on the server, never from the device.
public struct SyncActor: Sendable, Hashable, Codable {
    public var user: Int64
    public var role: Role

    public init(user: Int64, role: Role) {
        self.user = user
        self.role = role
    }

    /// The server itself, for the changes it makes on its own (a step found overdue) and the
    /// records it hands out as they were before sync: user 0, which no person is, with an
    /// admin's reach.
    public static let server = SyncActor(user: 0, role: .admin)
}

/// One change made on a device: the unit of sync. `id` is made by the device and is the
/// idempotency key: the same operation sent twice is applied once.
public struct SyncOperation: Sendable, Hashable, Codable {
    public var id: String
    public var collection: SyncCollection
    public var action: SyncAction
    public var record: String
    public var fields: [String: FieldValue]
    public var hlc: HLCTimestamp
    public var actor: SyncActor

    public init(id: String, collection: SyncCollection, action: SyncAction, record: String, fields: [String: FieldValue], hlc: HLCTimestamp, actor: SyncActor) {
        self.id = id
        self.collection = collection
        self.action = action
        self.record = record
        self.fields = fields
        self.hlc = hlc
        self.actor = actor
    }
}
