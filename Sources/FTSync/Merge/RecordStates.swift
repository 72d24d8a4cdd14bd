public import FTModel

// The state of one record of each collection, as a join-semilattice: `merged(with:)` is
// commutative, associative and idempotent, so replicas that have seen the same operations, in any
// order and any number of times, hold the same state.

/// A chat message: inserted once, body last-writer-wins, deletion a tombstone that nothing undoes.
public struct MessageState: Hashable, Sendable, Codable {
    public struct Content: Hashable, Sendable, Codable {
        public var conversation: Int64
        public var author: Int64

        public init(conversation: Int64, author: Int64) {
            self.conversation = conversation
            self.author = author
        }
    }

    public var content: Stamped<Content>?
    public var body: Stamped<String>?
    public var deletion: Stamped<Bool>?

    public init(content: Stamped<Content>?, body: Stamped<String>?, deletion: Stamped<Bool>?) {
        self.content = content
        self.body = body
        self.deletion = deletion
    }

    public var isDeleted: Bool { deletion != nil }
    /// The body to show: empty once deleted.
    public var visibleBody: String { isDeleted ? "" : body?.value ?? "" }
    /// Whether the body was changed after it was sent.
    public var isEdited: Bool {
        guard let body, let content else { return false }
        return body.isAfter(content) && !isDeleted
    }

    func merged(with other: MessageState) -> MessageState {
        MessageState(
            content: Stamped.earliest(content, other.content),
            body: Stamped.latest(body, other.body),
            deletion: Stamped.earliest(deletion, other.deletion)
        )
    }
}

extension Stamped {
    func isAfter<Other>(_ other: Stamped<Other>) -> Bool {
        hlc != other.hlc ? hlc > other.hlc : operation > other.operation
    }
}

/// A client's rating of an expert: one last-writer-wins register of (score, comment).
public struct RatingState: Hashable, Sendable, Codable {
    public struct Value: Hashable, Sendable, Codable {
        public var score: Int64
        public var comment: String
        public var author: Int64
    }

    public var value: Stamped<Value>?

    func merged(with other: RatingState) -> RatingState {
        RatingState(value: Stamped.latest(value, other.value))
    }
}

/// How far a user has read a conversation: only ever moves forward.
public struct ReadReceiptState: Hashable, Sendable, Codable {
    public var readUpTo: Int64

    func merged(with other: ReadReceiptState) -> ReadReceiptState {
        ReadReceiptState(readUpTo: max(readUpTo, other.readUpTo))
    }
}

/// A document: created once; title and category last-writer-wins.
public struct DocumentState: Hashable, Sendable, Codable {
    public struct Content: Hashable, Sendable, Codable {
        public var dossier: Int64
        public var createdBy: Int64
    }

    public var content: Stamped<Content>?
    public var title: Stamped<String>?
    public var category: Stamped<String>?

    func merged(with other: DocumentState) -> DocumentState {
        DocumentState(
            content: Stamped.earliest(content, other.content),
            title: Stamped.latest(title, other.title),
            category: Stamped.latest(category, other.category)
        )
    }
}

/// One version of a document: its content never changes; its validation is last-writer-wins.
/// Every version is kept: two devices adding a version offline both keep theirs.
public struct DocumentVersionState: Hashable, Sendable, Codable {
    public struct Content: Hashable, Sendable, Codable {
        public var document: String
        public var fileName: String
        public var mediaType: String
        public var byteCount: Int64
        public var sha256: String
        public var uploadedBy: Int64
    }

    public struct Validation: Hashable, Sendable, Codable {
        public var state: String
        public var reason: String
        public var by: Int64
    }

    public var content: Stamped<Content>?
    public var validation: Stamped<Validation>?

    func merged(with other: DocumentVersionState) -> DocumentVersionState {
        DocumentVersionState(
            content: Stamped.earliest(content, other.content),
            validation: Stamped.latest(validation, other.validation)
        )
    }
}

/// A workflow step: each field last-writer-wins on its own, and every write stays in the history,
/// so concurrent conflicting changes remain visible.
public struct StepState: Hashable, Sendable, Codable {
    public struct Write: Hashable, Sendable, Codable, Comparable {
        public var field: String
        public var value: FieldValue
        public var hlc: HLCTimestamp
        public var operation: String
        public var user: Int64

        public static func < (lhs: Write, rhs: Write) -> Bool {
            (lhs.hlc, lhs.operation, lhs.field) < (rhs.hlc, rhs.operation, rhs.field)
        }
    }

    public var fields: [String: Stamped<FieldValue>] = [:]
    public var history: Set<Write> = []

    func merged(with other: StepState) -> StepState {
        var fields = self.fields
        for (name, value) in other.fields {
            fields[name] = Stamped.latest(fields[name], value)
        }
        return StepState(fields: fields, history: history.union(other.history))
    }

    /// The field only the server writes, when it finds the step past its due date: the due date
    /// it found passed (milliseconds). Devices cannot send it (`OperationValidator`).
    public static let overdueMarker = "overdue"

    /// The fields as shown: a completed step is at 100 %, whatever progress a concurrent write left;
    /// a step the server found past its due date is `overdue` until it is completed or its due date
    /// moves. Overdue is worked out here rather than written into `status`: a completion made
    /// offline before the server's finding, and synced after it, still wins, on every replica alike.
    public var effectiveFields: [String: FieldValue] {
        var values = fields.mapValues(\.value)
        let marker = values.removeValue(forKey: Self.overdueMarker)
        if values["status"] == .string("completed") {
            values["progress"] = .int(100)
        } else if let marker, marker == values["dueAt"] {
            values["status"] = .string("overdue")
        }
        return values
    }

    /// Writes that another write to the same field, with a different value, won over: kept so
    /// that a person sees what a concurrent edit replaced. The server's overdue findings are not
    /// edits: a later one replacing an earlier is not a conflict.
    public var overridden: [Write] {
        history.sorted().filter { write in
            guard write.field != Self.overdueMarker, let winner = fields[write.field] else { return false }
            return winner.operation != write.operation && winner.value != write.value
        }
    }
}

/// A user's notification preference for one kind on one channel: a last-writer-wins register.
public struct PreferenceState: Hashable, Sendable, Codable {
    public var enabled: Stamped<Bool>?

    public init(enabled: Stamped<Bool>?) {
        self.enabled = enabled
    }

    func merged(with other: PreferenceState) -> PreferenceState {
        PreferenceState(enabled: Stamped.latest(enabled, other.enabled))
    }
}

/// A client's request for a new dossier: made once, never changed; the server opens the dossier
/// (its steps, its offer) from it.
public struct DossierState: Hashable, Sendable, Codable {
    public struct Content: Hashable, Sendable, Codable {
        public var product: Int64
        public var description: String
        /// Estimated amount, in euros.
        public var amount: Int64
        /// The expert the client asked for, if any.
        public var expert: Int64?
        /// The answers to the scheme's questions, as the JSON object the device sent.
        public var answers: String
        /// The client's user.
        public var client: Int64
    }

    public var content: Stamped<Content>?

    func merged(with other: DossierState) -> DossierState {
        DossierState(content: Stamped.earliest(content, other.content))
    }
}

/// An expert's answer to an offer: the first answer stands (an offer is answered once).
public struct OfferState: Hashable, Sendable, Codable {
    public struct Answer: Hashable, Sendable, Codable {
        /// `accepted` or `declined`.
        public var answer: String
        public var reason: String
        public var by: Int64
    }

    public var answer: Stamped<Answer>?

    func merged(with other: OfferState) -> OfferState {
        OfferState(answer: Stamped.earliest(answer, other.answer))
    }
}

/// Any record's state.
public enum RecordState: Hashable, Sendable, Codable {
    case message(MessageState)
    case rating(RatingState)
    case readReceipt(ReadReceiptState)
    case document(DocumentState)
    case documentVersion(DocumentVersionState)
    case step(StepState)
    case preference(PreferenceState)
    case dossier(DossierState)
    case offer(OfferState)

    public func merged(with other: RecordState) -> RecordState {
        switch (self, other) {
        case (.message(let a), .message(let b)): .message(a.merged(with: b))
        case (.rating(let a), .rating(let b)): .rating(a.merged(with: b))
        case (.readReceipt(let a), .readReceipt(let b)): .readReceipt(a.merged(with: b))
        case (.document(let a), .document(let b)): .document(a.merged(with: b))
        case (.documentVersion(let a), .documentVersion(let b)): .documentVersion(a.merged(with: b))
        case (.step(let a), .step(let b)): .step(a.merged(with: b))
        case (.preference(let a), .preference(let b)): .preference(a.merged(with: b))
        case (.dossier(let a), .dossier(let b)): .dossier(a.merged(with: b))
        case (.offer(let a), .offer(let b)): .offer(a.merged(with: b))
        default: self
        }
    }
}
