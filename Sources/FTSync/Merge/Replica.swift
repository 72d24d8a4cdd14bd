internal import FTModel

/// Every record a replica holds, and the operations it has applied. The server's merge and each
/// device's are the same code (and `sync/merge.js` follows the same rules, checked by shared
/// vectors), so they agree on every record.
public struct Replica: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Comparable {
        public var collection: SyncCollection
        public var record: String

        public init(_ collection: SyncCollection, _ record: String) {
            self.collection = collection
            self.record = record
        }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.collection.rawValue, lhs.record) < (rhs.collection.rawValue, rhs.record)
        }
    }

    public private(set) var records: [Key: RecordState] = [:]
    /// Ids of the operations applied: a second copy of one changes nothing.
    public private(set) var applied: Set<String> = []

    public init() {}

    /// Applies a validated operation. Returns false when it was already applied.
    @discardableResult
    public mutating func apply(_ operation: SyncOperation) -> Bool {
        guard applied.insert(operation.id).inserted else { return false }
        guard let delta = Self.delta(of: operation) else { return true }
        let key = Key(operation.collection, operation.record)
        records[key] = records[key].map { $0.merged(with: delta) } ?? delta
        return true
    }

    public subscript(_ collection: SyncCollection, _ record: String) -> RecordState? {
        records[Key(collection, record)]
    }

    /// The versions of a document, oldest first; the last is current.
    public func versions(ofDocument document: String) -> [(id: String, state: DocumentVersionState)] {
        records.compactMap { key, state -> (String, DocumentVersionState)? in
            guard case .documentVersion(let version) = state, version.content?.value.document == document else { return nil }
            return (key.record, version)
        }
        .sorted { a, b in
            let left = (a.1.content?.hlc ?? HLCTimestamp(milliseconds: 0, node: "0"), a.0)
            let right = (b.1.content?.hlc ?? HLCTimestamp(milliseconds: 0, node: "0"), b.0)
            return left.0 != right.0 ? left.0 < right.0 : left.1 < right.1
        }
        .map { (id: $0.0, state: $0.1) }
    }

    /// The state an operation brings, to be merged into what the replica holds.
    public static func delta(of operation: SyncOperation) -> RecordState? {
        let fields = operation.fields
        let hlc = operation.hlc
        let id = operation.id
        let user = operation.actor.user
        func stamp<Value>(_ value: Value) -> Stamped<Value> { Stamped(value, hlc: hlc, operation: id) }

        switch (operation.collection, operation.action) {
        case (.message, .insert):
            guard let conversation = fields["conversation"]?.int, let body = fields["body"]?.string else { return nil }
            return .message(MessageState(content: stamp(.init(conversation: conversation, author: user)), body: stamp(body), deletion: nil))
        case (.message, .update):
            guard let body = fields["body"]?.string else { return nil }
            return .message(MessageState(content: nil, body: stamp(body), deletion: nil))
        case (.message, .delete):
            return .message(MessageState(content: nil, body: nil, deletion: stamp(true)))
        case (.readReceipt, _):
            guard let readUpTo = fields["readUpTo"]?.int else { return nil }
            return .readReceipt(ReadReceiptState(readUpTo: readUpTo))
        case (.rating, .insert), (.rating, .update):
            guard let score = fields["score"]?.int else { return nil }
            return .rating(RatingState(value: stamp(.init(score: score, comment: fields["comment"]?.string ?? "", author: user))))
        case (.document, .insert):
            guard let dossier = fields["dossier"]?.int else { return nil }
            return .document(DocumentState(
                content: stamp(.init(dossier: dossier, createdBy: user)),
                title: fields["title"]?.string.map(stamp), category: fields["category"]?.string.map(stamp)
            ))
        case (.document, .update):
            return .document(DocumentState(content: nil, title: fields["title"]?.string.map(stamp), category: fields["category"]?.string.map(stamp)))
        case (.documentVersion, .insert):
            guard let document = fields["document"]?.string, let fileName = fields["fileName"]?.string,
                let mediaType = fields["mediaType"]?.string, let byteCount = fields["byteCount"]?.int, let sha256 = fields["sha256"]?.string
            else { return nil }
            return .documentVersion(DocumentVersionState(
                content: stamp(.init(document: document, fileName: fileName, mediaType: mediaType, byteCount: byteCount, sha256: sha256, uploadedBy: user)),
                validation: nil
            ))
        case (.documentVersion, .update):
            guard let state = fields["validation"]?.string else { return nil }
            return .documentVersion(DocumentVersionState(content: nil, validation: stamp(.init(state: state, reason: fields["reason"]?.string ?? "", by: user))))
        case (.step, .update):
            var state = StepState()
            for (name, value) in fields {
                state.fields[name] = stamp(value)
                state.history.insert(.init(field: name, value: value, hlc: hlc, operation: id, user: user))
            }
            return .step(state)
        case (.dossier, .insert):
            guard let product = fields["product"]?.int, let description = fields["description"]?.string,
                let amount = fields["amount"]?.int, let answers = fields["answers"]?.string
            else { return nil }
            return .dossier(DossierState(content: stamp(.init(product: product, description: description, amount: amount, expert: fields["expert"]?.int, answers: answers, client: user))))
        case (.offer, .update):
            guard let answer = fields["answer"]?.string else { return nil }
            return .offer(OfferState(answer: stamp(.init(answer: answer, reason: fields["reason"]?.string ?? "", by: user))))
        case (.preference, .update):
            guard let enabled = fields["enabled"]?.bool else { return nil }
            return .preference(PreferenceState(enabled: stamp(enabled)))
        default:
            return nil
        }
    }
}
