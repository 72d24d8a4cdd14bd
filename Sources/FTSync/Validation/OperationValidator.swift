public import FTModel

/// Why the server refused an operation: a machine-readable code and a sentence. The device undoes
/// the change and shows the sentence.
public struct Rejection: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        case forbidden
        case invalidField
        case unknownField
        case missingField
        case unknownRecord
        case unsupportedAction
        case clockSkew
        /// The record id is not the one spelling of a record (`"05"` for step 5).
        case invalidRecord
    }

    public var code: Code
    public var field: String?
    public var message: String

    public init(_ code: Code, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// What the server knows about the record an operation touches, looked up before validating it.
/// The merge core never reads the database itself.
public struct RecordFacts: Sendable {
    /// Whether the actor may see the dossier (or conversation) the record belongs to.
    public var actorSeesDossier: Bool
    /// Whether the record already exists on the server.
    public var exists: Bool
    /// The message's author, the document version's uploader, the rating's client user.
    public var owner: Int64?
    /// For a step: who is expected to act on it.
    public var stepAssignee: Role?
    /// For a step: the positions of the steps it depends on that are not completed yet.
    public var stepWaitsFor: [Int] = []
    /// For a rating: the user of the client in the record id, and whether that client had this
    /// expert on a dossier.
    public var ratingClientUser: Int64?
    public var ratingAllowed: Bool
    /// For a new dossier: what is known of the scheme it names (`nil`: no such scheme).
    public var scheme: SchemeFacts?
    /// For an offer: the user of the expert it is made to, and whether it still waits for an answer.
    public var offer: OfferFacts?

    public struct OfferFacts: Sendable {
        public var expertUser: Int64
        public var pending: Bool

        public init(expertUser: Int64, pending: Bool) {
            self.expertUser = expertUser
            self.pending = pending
        }
    }

    /// A new dossier's scheme: whether it is open, its questions, and whether the requested
    /// expert (if any) takes its dossiers.
    public struct SchemeFacts: Sendable {
        public var active: Bool
        public var questions: [EligibilityQuestion]
        public var expertHoldsScheme: Bool?

        public init(active: Bool, questions: [EligibilityQuestion], expertHoldsScheme: Bool?) {
            self.active = active
            self.questions = questions
            self.expertHoldsScheme = expertHoldsScheme
        }
    }

    public init(actorSeesDossier: Bool, exists: Bool, owner: Int64? = nil, stepAssignee: Role? = nil, ratingClientUser: Int64? = nil, ratingAllowed: Bool = false, scheme: SchemeFacts? = nil, offer: OfferFacts? = nil, stepWaitsFor: [Int] = []) {
        self.stepWaitsFor = stepWaitsFor
        self.scheme = scheme
        self.offer = offer
        self.actorSeesDossier = actorSeesDossier
        self.exists = exists
        self.owner = owner
        self.stepAssignee = stepAssignee
        self.ratingClientUser = ratingClientUser
        self.ratingAllowed = ratingAllowed
    }
}

/// Checks an operation's shape, values and permission. Pure: everything it needs is passed in.
public enum OperationValidator {
    /// The fields each collection and action accepts, with their types; `required` ones must be present.
    struct FieldRule: Sendable {
        enum Kind: Sendable { case int, string, bool }
        var kind: Kind
        var required: Bool
    }

    static let rules: [SyncCollection: [SyncAction: [String: FieldRule]]] = [
        .message: [
            .insert: ["conversation": .init(kind: .int, required: true), "body": .init(kind: .string, required: true)],
            .update: ["body": .init(kind: .string, required: true)],
            .delete: [:],
        ],
        .readReceipt: [.update: ["readUpTo": .init(kind: .int, required: true)]],
        .rating: [
            .insert: ["score": .init(kind: .int, required: true), "comment": .init(kind: .string, required: false)],
            .update: ["score": .init(kind: .int, required: true), "comment": .init(kind: .string, required: false)],
        ],
        .document: [
            .insert: ["dossier": .init(kind: .int, required: true), "title": .init(kind: .string, required: true), "category": .init(kind: .string, required: true)],
            .update: ["title": .init(kind: .string, required: false), "category": .init(kind: .string, required: false)],
        ],
        .documentVersion: [
            .insert: [
                "document": .init(kind: .string, required: true), "fileName": .init(kind: .string, required: true),
                "mediaType": .init(kind: .string, required: true), "byteCount": .init(kind: .int, required: true),
                "sha256": .init(kind: .string, required: true),
            ],
            .update: ["validation": .init(kind: .string, required: true), "reason": .init(kind: .string, required: false)],
        ],
        .step: [
            .update: [
                "status": .init(kind: .string, required: false), "progress": .init(kind: .int, required: false),
                "priority": .init(kind: .string, required: false), "dueAt": .init(kind: .int, required: false),
            ],
        ],
        .preference: [.update: ["enabled": .init(kind: .bool, required: true)]],
        .dossier: [
            .insert: [
                "product": .init(kind: .int, required: true), "description": .init(kind: .string, required: true),
                "amount": .init(kind: .int, required: true), "answers": .init(kind: .string, required: true),
                "expert": .init(kind: .int, required: false),
            ],
        ],
        .offer: [.update: ["answer": .init(kind: .string, required: true), "reason": .init(kind: .string, required: false)]],
    ]

    /// The step statuses each role may set.
    static let stepStatuses: [Role: Set<String>] = [
        .client: ["in_progress", "completed"],
        .expert: ["pending", "in_progress", "completed"],
        .admin: ["pending", "in_progress", "completed", "overdue"],
    ]

    /// `nil` when the operation may be applied.
    public static func check(_ operation: SyncOperation, facts: RecordFacts, nowMilliseconds: Int64, maximumDrift: Int64 = 60_000) -> Rejection? {
        checkForm(operation, nowMilliseconds: nowMilliseconds, maximumDrift: maximumDrift) ?? checkPermission(operation, facts: facts)
    }

    /// What can be said of an operation without looking anything up: its timestamp, shape, record
    /// id and values. The server asks this first, so that a malformed operation on a record it
    /// cannot find is told what is wrong with it.
    public static func checkForm(_ operation: SyncOperation, nowMilliseconds: Int64, maximumDrift: Int64 = 60_000) -> Rejection? {
        if operation.hlc.milliseconds > nowMilliseconds + maximumDrift {
            return Rejection(.clockSkew, "the operation's timestamp is \(operation.hlc.milliseconds - nowMilliseconds) ms in the future")
        }
        if !HLCTimestamp.isNode(operation.hlc.node) {
            return Rejection(.invalidField, field: "hlc", "an HLC timestamp's node is 1 to \(HLCTimestamp.maximumNodeLength) ASCII letters, digits, '_' or '.'")
        }
        if let shape = checkShape(operation) { return shape }
        if let record = checkRecord(operation) { return record }
        return checkValues(operation)
    }

    /// The one spelling of each record id the server names (`RecordID`): a step's number, a
    /// rating's `client:expert`, a read receipt's `conversation:user`. Another spelling of the same
    /// numbers would be a second record on every device.
    static func checkRecord(_ operation: SyncOperation) -> Rejection? {
        let record = operation.record
        switch operation.collection {
        case .offer:
            return RecordID.number(record) == nil
                ? Rejection(.invalidRecord, field: "record", "an offer's record id is its number, without sign or leading zeros, not '\(record)'") : nil
        case .step:
            return RecordID.number(record) == nil
                ? Rejection(.invalidRecord, field: "record", "a step's record id is its number, without sign or leading zeros, not '\(record)'") : nil
        case .rating:
            return RecordID.pair(record) == nil
                ? Rejection(.invalidRecord, field: "record", "a rating's record id is '<client>:<expert>', two numbers without sign or leading zeros, not '\(record)'") : nil
        case .readReceipt:
            return RecordID.pair(record) == nil
                ? Rejection(.invalidRecord, field: "record", "a read receipt's record id is '<conversation>:<user>', two numbers without sign or leading zeros, not '\(record)'") : nil
        case .preference:
            return RecordID.preference(record) == nil
                ? Rejection(.invalidRecord, field: "record", "a preference's record id is '<user>:<kind>:<channel>' (a number without sign or leading zeros, a notification kind, a channel: in_app, email or push), not '\(record)'") : nil
        case .message, .document, .documentVersion, .dossier:
            return nil
        }
    }

    /// A name the device sent, as a refusal repeats it: whole up to 64 characters (Unicode scalars),
    /// else its first 64 and "…". A refusal is kept for retries: a megabyte-long field name kept
    /// whole was read whole at every look-up that passed it.
    static func shortened(_ name: String) -> String {
        name.unicodeScalars.count <= 64 ? name : String(String.UnicodeScalarView(name.unicodeScalars.prefix(64))) + "…"
    }

    /// Whether `text` can be an operation's or a record's id: 1 to 64 printable ASCII characters.
    public static func isIdentifier(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    static func checkShape(_ operation: SyncOperation) -> Rejection? {
        // Printable ASCII only: Swift compares strings by canonical equivalence and SQLite by
        // bytes, so "é" in two normal forms would be one record here and two in the database.
        guard Self.isIdentifier(operation.id), Self.isIdentifier(operation.record) else {
            return Rejection(.invalidField, field: "id", "operation and record ids are 1 to 64 printable ASCII characters (no spaces)")
        }
        guard let allowed = rules[operation.collection]?[operation.action] else {
            return Rejection(.unsupportedAction, "\(operation.collection.rawValue) does not support \(operation.action.rawValue)")
        }
        for name in operation.fields.keys.sorted() where allowed[name] == nil {
            let shown = Self.shortened(name)
            return Rejection(.unknownField, field: shown, "\(operation.collection.rawValue) has no field '\(shown)' for \(operation.action.rawValue)")
        }
        for (name, rule) in allowed.sorted(by: { $0.key < $1.key }) {
            guard let value = operation.fields[name] else {
                if rule.required { return Rejection(.missingField, field: name, "'\(name)' is required") }
                continue
            }
            let matches: Bool
            switch rule.kind {
            case .int: matches = value.int != nil
            case .string: matches = value.string != nil
            case .bool: matches = value.bool != nil
            }
            if !matches { return Rejection(.invalidField, field: name, "'\(name)' must be \(rule.kind == .int ? "an integer" : rule.kind == .string ? "a string" : "a boolean"), not \(value)") }
        }
        // SQLite's C strings end at a NUL: a text holding one would come back cut.
        for (name, value) in operation.fields.sorted(by: { $0.key < $1.key }) where value.string?.containsNUL ?? false {
            return Rejection(.invalidField, field: name, "'\(name)' cannot contain the NUL character (U+0000)")
        }
        if operation.collection == .step && operation.fields.isEmpty {
            return Rejection(.missingField, "a step update sets at least one field")
        }
        return nil
    }

    static func checkValues(_ operation: SyncOperation) -> Rejection? {
        let fields = operation.fields
        if let body = fields["body"]?.string, body.hasMoreCharacters(than: Message.maximumBodyLength) {
            return Rejection(.invalidField, field: "body", "a message is at most \(Message.maximumBodyLength) characters")
        }
        if operation.collection == .message, operation.action == .insert, fields["body"]?.string?.trimmingWhitespace.isEmpty ?? true {
            return Rejection(.invalidField, field: "body", "a message cannot be empty")
        }
        if let score = fields["score"]?.int, !(1...5).contains(score) {
            return Rejection(.invalidField, field: "score", "a score is 1 to 5, not \(score)")
        }
        if let comment = fields["comment"]?.string, comment.hasMoreCharacters(than: 5_000) {
            return Rejection(.invalidField, field: "comment", "a comment is at most 5,000 characters")
        }
        if let progress = fields["progress"]?.int, !(0...100).contains(progress) {
            return Rejection(.invalidField, field: "progress", "progress is 0 to 100, not \(progress)")
        }
        if let status = fields["status"]?.string, !StepStatus.allCases.map(\.rawValue).contains(status) {
            return Rejection(.invalidField, field: "status", "unknown step status '\(status)'")
        }
        if let priority = fields["priority"]?.string, !StepPriority.allCases.map(\.rawValue).contains(priority) {
            return Rejection(.invalidField, field: "priority", "unknown priority '\(priority)'")
        }
        if operation.collection == .document, let category = fields["category"]?.string, DocumentCategory(rawValue: category) == nil {
            return Rejection(.invalidField, field: "category", "unknown document category '\(category)'")
        }
        if let title = fields["title"]?.string, title.hasMoreCharacters(than: 300) || title.trimmingWhitespace.isEmpty {
            return Rejection(.invalidField, field: "title", "a title is 1 to 300 characters")
        }
        if let validation = fields["validation"]?.string {
            guard let state = ValidationState(rawValue: validation) else {
                return Rejection(.invalidField, field: "validation", "unknown validation state '\(validation)'")
            }
            if state == .rejected, (fields["reason"]?.string?.trimmingWhitespace ?? "").isEmpty {
                return Rejection(.missingField, field: "reason", "a rejection needs a reason")
            }
        }
        // Byte by byte: "isHexDigit" would also take fullwidth digits.
        if let sha = fields["sha256"]?.string, sha.utf8.count != 64 || !sha.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
            return Rejection(.invalidField, field: "sha256", "sha256 is 64 lowercase hexadecimal characters")
        }
        // Scalar by scalar: a "/" followed by a combining mark is one Character that is not "/".
        if let name = fields["fileName"]?.string,
            name.isEmpty || name.hasMoreCharacters(than: 255) || name.unicodeScalars.contains(where: { $0 == "/" || $0 == "\0" }) || name == "." || name == ".." {
            return Rejection(.invalidField, field: "fileName", "a file name is 1 to 255 characters without '/'")
        }
        if operation.collection == .dossier, let refusal = checkDossierValues(fields) { return refusal }
        if operation.collection == .offer {
            if let answer = fields["answer"]?.string, answer != "accepted" && answer != "declined" {
                return Rejection(.invalidField, field: "answer", "an offer is 'accepted' or 'declined', not '\(Self.shortened(answer))'")
            }
            if let reason = fields["reason"]?.string, reason.hasMoreCharacters(than: 1_000) {
                return Rejection(.invalidField, field: "reason", "a reason is at most 1,000 characters")
            }
        }
        if let count = fields["byteCount"]?.int, count < 0 {
            return Rejection(.invalidField, field: "byteCount", "byteCount cannot be negative")
        }
        return nil
    }

    /// A new dossier's own values: numbers that can name a scheme and an expert, an estimate from
    /// 0 to `Dossier.maximumEstimatedEuros`, a description, answers as a JSON object of texts.
    static func checkDossierValues(_ fields: [String: FieldValue]) -> Rejection? {
        if let product = fields["product"]?.int, product < 1 { return Rejection(.invalidField, field: "product", "no scheme has the number \(product)") }
        if let expert = fields["expert"]?.int, expert < 1 { return Rejection(.invalidField, field: "expert", "no expert has the number \(expert)") }
        if let amount = fields["amount"]?.int {
            if amount < 0 { return Rejection(.invalidField, field: "amount", "an estimated amount cannot be negative") }
            if amount > Dossier.maximumEstimatedEuros { return Rejection(.invalidField, field: "amount", "an estimated amount is at most 100,000,000 euros") }
        }
        if let description = fields["description"]?.string,
            description.trimmingWhitespace.isEmpty || description.hasMoreCharacters(than: Dossier.maximumDescriptionLength) {
            return Rejection(.invalidField, field: "description", "a description is 1 to 5,000 characters")
        }
        if let answers = fields["answers"]?.string, Eligibility.answers(fromJSON: answers) == nil {
            return Rejection(.invalidField, field: "answers", "answers are a JSON object of at most 50 texts of at most 200 bytes")
        }
        return nil
    }

    /// Only a client opens a dossier, for an open scheme, with an expert who takes its dossiers
    /// (if one is asked for), and with complete, consistent answers (whether they make the
    /// dossier eligible is not a refusal: the dossier opens as ineligible, saying why).
    static func checkDossier(_ operation: SyncOperation, facts: RecordFacts) -> Rejection? {
        guard operation.actor.role == .client else { return Rejection(.forbidden, "only a client opens a dossier") }
        if facts.exists { return Rejection(.invalidField, field: "id", "a record with this id already exists") }
        guard let scheme = facts.scheme, scheme.active else { return Rejection(.invalidField, field: "product", "no open scheme has this number") }
        if operation.fields["expert"] != nil, scheme.expertHoldsScheme == false {
            return Rejection(.invalidField, field: "expert", "the requested expert does not take dossiers for this scheme")
        }
        let answers = operation.fields["answers"]?.string.flatMap(Eligibility.answers(fromJSON:)) ?? [:]
        if case .failure(let problem) = Eligibility.decide(scheme.questions, answers: answers) {
            return Rejection(problem.missing ? .missingField : .invalidField, field: "answers.\(problem.question)", problem.message)
        }
        return nil
    }

    /// Whether the actor may make this change, given what the server knows of the record.
    public static func checkPermission(_ operation: SyncOperation, facts: RecordFacts) -> Rejection? {
        let actor = operation.actor
        if operation.collection == .dossier { return checkDossier(operation, facts: facts) }
        if operation.collection == .preference {
            // A preference belongs to its user, not to a dossier: only that user changes it.
            guard let (user, kind, _) = RecordID.preference(operation.record), user == actor.user else {
                return Rejection(.forbidden, "a user changes only their own preferences")
            }
            if NotificationPolicy.critical.contains(kind), operation.fields["enabled"]?.bool == false {
                return Rejection(.forbidden, field: "enabled", "account and security messages cannot be turned off")
            }
            return nil
        }
        guard facts.actorSeesDossier || actor.role == .admin else {
            // Said the same way whether the record exists or not: nothing leaks.
            return Rejection(.forbidden, "not allowed on this dossier")
        }
        switch (operation.collection, operation.action) {
        case (_, .insert) where facts.exists && operation.collection != .rating:
            return Rejection(.invalidField, field: "id", "a record with this id already exists")
        case (.message, .update), (.message, .delete), (.document, .update):
            guard facts.exists else { return Rejection(.unknownRecord, "no such record") }
            if operation.action == .delete && actor.role == .admin { return nil }
            return facts.owner == actor.user ? nil : Rejection(.forbidden, "only its author may change this")
        case (.rating, _):
            guard actor.role == .client, facts.ratingClientUser == actor.user else {
                return Rejection(.forbidden, "only the client may rate its expert")
            }
            return facts.ratingAllowed ? nil : Rejection(.forbidden, "a client rates an expert once the expert has completed a mission for it")
        case (.documentVersion, .update):
            guard facts.exists else { return Rejection(.unknownRecord, "no such version") }
            return actor.role == .expert || actor.role == .admin ? nil : Rejection(.forbidden, "only an expert or an admin validates a document")
        case (.step, .update):
            guard facts.exists else { return Rejection(.unknownRecord, "no such step") }
            if let status = operation.fields["status"]?.string, !(stepStatuses[actor.role]?.contains(status) ?? false) {
                return Rejection(.forbidden, field: "status", "a \(actor.role.rawValue) may not set a step to \(status)")
            }
            if actor.role == .client && facts.stepAssignee != .client {
                return Rejection(.forbidden, "this step is not the client's to move")
            }
            if operation.fields["status"]?.string == StepStatus.completed.rawValue, !facts.stepWaitsFor.isEmpty {
                let steps = facts.stepWaitsFor.map(String.init).joined(separator: ", ")
                return Rejection(.forbidden, field: "status", "this step waits for step\(facts.stepWaitsFor.count > 1 ? "s" : "") \(steps) to be completed first")
            }
            if operation.fields["dueAt"] != nil && actor.role == .client {
                return Rejection(.forbidden, field: "dueAt", "a client may not move a due date")
            }
            return nil
        case (.offer, .update):
            guard facts.exists, let offer = facts.offer else { return Rejection(.unknownRecord, "no such offer") }
            guard offer.expertUser == actor.user else { return Rejection(.forbidden, "only the expert a dossier is offered to answers the offer") }
            return offer.pending ? nil : Rejection(.invalidField, field: "answer", "this offer has already been answered")
        case (.readReceipt, _):
            return operation.record.hasSuffix(":\(actor.user)") ? nil : Rejection(.forbidden, "a user moves only its own read receipt")
        default:
            return nil
        }
    }
}

extension String {
    var trimmingWhitespace: Substring {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
