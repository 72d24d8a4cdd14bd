import FTModel
import FTSync
import Testing

@Suite struct ValidatorTests {
    static let now: Int64 = 10_000_000
    static let client = SyncActor(user: 1, role: .client)
    static let expert = SyncActor(user: 2, role: .expert)
    static let admin = SyncActor(user: 3, role: .admin)
    static let seen = RecordFacts(actorSeesDossier: true, exists: true, owner: 1, stepAssignee: .client, ratingClientUser: 1, ratingAllowed: true)

    static func op(_ collection: SyncCollection, _ action: SyncAction, _ fields: [String: FieldValue], actor: SyncActor = client, record: String? = nil, at: Int64 = now, node: String = "d") -> SyncOperation {
        // The record ids the server names have one spelling; the others are made by devices.
        let named: [SyncCollection: String] = [.step: "7", .rating: "1:2", .readReceipt: "4:1", .preference: "1:message:email"]
        return SyncOperation(id: "op", collection: collection, action: action, record: record ?? named[collection] ?? "r1", fields: fields, hlc: HLCTimestamp(milliseconds: at, node: node), actor: actor)
    }

    static let refusals: [(String, SyncOperation, RecordFacts, Rejection.Code)] = [
        ("unknown field", op(.message, .update, ["body": .string("x"), "author": .int(9)]), seen, .unknownField),
        ("wrong type", op(.message, .update, ["body": .int(5)]), seen, .invalidField),
        ("missing field", op(.message, .insert, ["body": .string("x")]), RecordFacts(actorSeesDossier: true, exists: false), .missingField),
        ("empty message", op(.message, .insert, ["conversation": .int(1), "body": .string("   ")]), RecordFacts(actorSeesDossier: true, exists: false), .invalidField),
        ("huge message", op(.message, .update, ["body": .string(String(repeating: "a", count: 20_001))]), seen, .invalidField),
        ("someone else's message", op(.message, .update, ["body": .string("x")], actor: expert), seen, .forbidden),
        ("another dossier", op(.message, .insert, ["conversation": .int(1), "body": .string("x")]), RecordFacts(actorSeesDossier: false, exists: false), .forbidden),
        ("score 6", op(.rating, .update, ["score": .int(6)]), seen, .invalidField),
        ("an expert rating", op(.rating, .update, ["score": .int(5)], actor: expert), seen, .forbidden),
        ("rating for another client", op(.rating, .update, ["score": .int(5)]), RecordFacts(actorSeesDossier: true, exists: true, ratingClientUser: 7, ratingAllowed: true), .forbidden),
        ("rating without an assignment", op(.rating, .insert, ["score": .int(5)]), RecordFacts(actorSeesDossier: true, exists: false, ratingClientUser: 1, ratingAllowed: false), .forbidden),
        ("progress 101", op(.step, .update, ["progress": .int(101)]), seen, .invalidField),
        ("unknown status", op(.step, .update, ["status": .string("done")]), seen, .invalidField),
        ("client sets overdue", op(.step, .update, ["status": .string("overdue")]), seen, .forbidden),
        ("client moves the expert's step", op(.step, .update, ["progress": .int(50)]), RecordFacts(actorSeesDossier: true, exists: true, stepAssignee: .expert), .forbidden),
        ("client moves a due date", op(.step, .update, ["dueAt": .int(5)]), seen, .forbidden),
        ("empty step update", op(.step, .update, [:]), seen, .missingField),
        ("unknown step", op(.step, .update, ["progress": .int(5)], actor: expert), RecordFacts(actorSeesDossier: true, exists: false), .unknownRecord),
        ("client validates", op(.documentVersion, .update, ["validation": .string("validated")]), seen, .forbidden),
        ("rejection without reason", op(.documentVersion, .update, ["validation": .string("rejected")], actor: expert), seen, .missingField),
        ("bad hash", op(.documentVersion, .insert, ["document": .string("d"), "fileName": .string("a.pdf"), "mediaType": .string("application/pdf"), "byteCount": .int(3), "sha256": .string("XYZ")]), RecordFacts(actorSeesDossier: true, exists: false), .invalidField),
        ("path in a file name", op(.documentVersion, .insert, ["document": .string("d"), "fileName": .string("../../etc/passwd"), "mediaType": .string("text/plain"), "byteCount": .int(3), "sha256": .string(String(repeating: "a", count: 64))]), RecordFacts(actorSeesDossier: true, exists: false), .invalidField),
        ("a slash carrying a combining mark", op(.documentVersion, .insert, ["document": .string("d"), "fileName": .string("a/\u{301}b.pdf"), "mediaType": .string("text/plain"), "byteCount": .int(3), "sha256": .string(String(repeating: "a", count: 64))]), RecordFacts(actorSeesDossier: true, exists: false), .invalidField),
        ("an accented record id", op(.message, .update, ["body": .string("x")], record: "e\u{301}"), seen, .invalidField),
        ("a space in a record id", op(.message, .update, ["body": .string("x")], record: "m 1"), seen, .invalidField),
        // One spelling per record id, a clean node, no NUL in text (sync/validate.js has the same).
        ("a step id with a leading zero", op(.step, .update, ["progress": .int(5)], record: "05"), seen, .invalidRecord),
        ("a step id with a sign", op(.step, .update, ["progress": .int(5)], record: "+5"), seen, .invalidRecord),
        ("step zero", op(.step, .update, ["progress": .int(5)], record: "0"), seen, .invalidRecord),
        ("a step id past Int64", op(.step, .update, ["progress": .int(5)], record: "9223372036854775808"), seen, .invalidRecord),
        ("a rating id with a leading zero", op(.rating, .update, ["score": .int(5)], record: "01:1"), seen, .invalidRecord),
        ("a read receipt id with a sign", op(.readReceipt, .update, ["readUpTo": .int(5)], record: "+3:204"), seen, .invalidRecord),
        ("a read receipt id with two colons", op(.readReceipt, .update, ["readUpTo": .int(5)], record: "3::204"), seen, .invalidRecord),
        ("a read receipt id with three parts", op(.readReceipt, .update, ["readUpTo": .int(5)], record: "3:204:1"), seen, .invalidRecord),
        ("a NUL in an HLC node", op(.message, .update, ["body": .string("x")], node: "\u{0}x"), seen, .invalidField),
        ("a dash in an HLC node", op(.message, .update, ["body": .string("x")], node: "a-b"), seen, .invalidField),
        ("an accented HLC node", op(.message, .update, ["body": .string("x")], node: "é"), seen, .invalidField),
        ("an HLC node of 33 characters", op(.message, .update, ["body": .string("x")], node: String(repeating: "a", count: 33)), seen, .invalidField),
        ("a NUL in a body", op(.message, .update, ["body": .string("before\u{0}after")]), seen, .invalidField),
        ("a NUL in a rating comment", op(.rating, .update, ["score": .int(5), "comment": .string("a\u{0}")]), seen, .invalidField),
        ("fullwidth digits in a hash", op(.documentVersion, .insert, ["document": .string("d"), "fileName": .string("a.pdf"), "mediaType": .string("text/plain"), "byteCount": .int(3), "sha256": .string(String(repeating: "\u{FF11}", count: 64))]), RecordFacts(actorSeesDossier: true, exists: false), .invalidField),
        ("someone else's read receipt", op(.readReceipt, .update, ["readUpTo": .int(5)], record: "4:9"), seen, .forbidden),
        ("deleting a step", op(.step, .delete, [:]), seen, .unsupportedAction),
        ("from the future", op(.message, .update, ["body": .string("x")], at: now + 3_600_000), seen, .clockSkew),
        ("a preference of another user", op(.preference, .update, ["enabled": .bool(false)], record: "2:message:email"), seen, .forbidden),
        ("an admin changing a client's preference", op(.preference, .update, ["enabled": .bool(true)], actor: admin), seen, .forbidden),
        ("account messages turned off", op(.preference, .update, ["enabled": .bool(false)], record: "1:system:email"), seen, .forbidden),
        ("a preference without its value", op(.preference, .update, [:]), seen, .missingField),
        ("a preference as text", op(.preference, .update, ["enabled": .string("non")]), seen, .invalidField),
        ("inserting a preference", op(.preference, .insert, ["enabled": .bool(true)]), seen, .unsupportedAction),
        ("a preference id with a leading zero", op(.preference, .update, ["enabled": .bool(true)], record: "01:message:email"), seen, .invalidRecord),
        ("a preference of an unknown kind", op(.preference, .update, ["enabled": .bool(true)], record: "1:invoice:email"), seen, .invalidRecord),
        ("a preference on an unknown channel", op(.preference, .update, ["enabled": .bool(true)], record: "1:message:sms"), seen, .invalidRecord),
        ("a preference id without its channel", op(.preference, .update, ["enabled": .bool(true)], record: "1:message"), seen, .invalidRecord),
        ("re-inserting an existing message", op(.message, .insert, ["conversation": .int(1), "body": .string("x")]), seen, .invalidField),
    ]

    @Test(arguments: refusals)
    func refusedWithAReason(name: String, operation: SyncOperation, facts: RecordFacts, code: Rejection.Code) {
        let rejection = OperationValidator.check(operation, facts: facts, nowMilliseconds: Self.now)
        #expect(rejection?.code == code, "\(name): \(String(describing: rejection))")
        #expect(!(rejection?.message.isEmpty ?? true))
    }

    static let acceptances: [(String, SyncOperation, RecordFacts)] = [
        ("new message", op(.message, .insert, ["conversation": .int(1), "body": .string("Bonjour")]), RecordFacts(actorSeesDossier: true, exists: false)),
        ("own edit", op(.message, .update, ["body": .string("Bonjour !")]), seen),
        ("admin deletes", op(.message, .delete, [:], actor: admin), RecordFacts(actorSeesDossier: false, exists: true, owner: 1)),
        ("client rates", op(.rating, .insert, ["score": .int(4), "comment": .string("Bien")]), RecordFacts(actorSeesDossier: true, exists: false, ratingClientUser: 1, ratingAllowed: true)),
        ("client moves its step", op(.step, .update, ["status": .string("in_progress"), "progress": .int(20)]), seen),
        ("expert sets a due date", op(.step, .update, ["dueAt": .int(99)], actor: expert), seen),
        ("expert validates", op(.documentVersion, .update, ["validation": .string("validated")], actor: expert), seen),
        ("own read receipt", op(.readReceipt, .update, ["readUpTo": .int(5)], record: "4:1"), seen),
        // A preference belongs to its user, whatever dossier they see.
        ("own preference off", op(.preference, .update, ["enabled": .bool(false)]), RecordFacts(actorSeesDossier: false, exists: true)),
        ("account messages kept on", op(.preference, .update, ["enabled": .bool(true)], record: "1:system:push"), seen),
    ]

    @Test(arguments: acceptances)
    func acceptedOperations(name: String, operation: SyncOperation, facts: RecordFacts) {
        #expect(OperationValidator.check(operation, facts: facts, nowMilliseconds: Self.now) == nil, "\(name)")
    }
}
