import FTModel
import FTSync
import Testing

/// A new dossier through sync: the same table as `sync/validate.js`'s test (Tests/sync/validate.test.mjs).
@Suite struct DossierValidatorTests {
    static let now: Int64 = 10_000_000
    static let client = SyncActor(user: 1, role: .client)
    static let expert = SyncActor(user: 2, role: .expert)

    static func fields(_ overrides: [String: FieldValue] = [:]) -> [String: FieldValue] {
        ["product": .int(3), "description": .string("Flotte de 12 camions"), "amount": .int(24_000), "answers": .string(#"{"poids":"oui","transport":"oui"}"#)]
            .merging(overrides) { $1 }
    }

    static func op(_ fields: [String: FieldValue], action: SyncAction = .insert, actor: SyncActor = client) -> SyncOperation {
        SyncOperation(id: "op", collection: .dossier, action: action, record: "r1", fields: fields, hlc: HLCTimestamp(milliseconds: now, node: "d"), actor: actor)
    }

    static func scheme(active: Bool = true, holds: Bool? = true, exists: Bool = false) -> RecordFacts {
        let questions = [
            EligibilityQuestion(key: "transport", text: "Transport ?", kind: .yesNo, requirement: .init(anyOf: ["oui"]), refusal: "Transport seulement."),
            EligibilityQuestion(key: "poids", text: "7,5 t ?", kind: .yesNo, askedWhen: .init(question: "transport", condition: .init(anyOf: ["oui"]))),
        ]
        return RecordFacts(actorSeesDossier: true, exists: exists, scheme: .init(active: active, questions: questions, expertHoldsScheme: holds))
    }

    static let refusals: [(String, SyncOperation, RecordFacts, Rejection.Code, String?)] = [
        ("an expert opens a dossier", op(fields(), actor: expert), scheme(), .forbidden, nil),
        ("a closed scheme", op(fields()), scheme(active: false), .invalidField, "product"),
        ("no scheme", op(fields()), RecordFacts(actorSeesDossier: true, exists: false), .invalidField, "product"),
        ("an expert who does not hold the scheme", op(fields(["expert": .int(9)])), scheme(holds: false), .invalidField, "expert"),
        ("a negative amount", op(fields(["amount": .int(-1)])), scheme(), .invalidField, "amount"),
        ("an absurd amount", op(fields(["amount": .int(100_000_001)])), scheme(), .invalidField, "amount"),
        ("a blank description", op(fields(["description": .string(" \n ")])), scheme(), .invalidField, "description"),
        ("answers that are not an object", op(fields(["answers": .string("[]")])), scheme(), .invalidField, "answers"),
        ("a missing answer", op(fields(["answers": .string("{}")])), scheme(), .missingField, "answers.transport"),
        ("contradictory answers", op(fields(["answers": .string(#"{"poids":"oui","transport":"non"}"#)])), scheme(), .invalidField, "answers.poids"),
        ("no scheme named", op(["description": .string("x"), "amount": .int(1), "answers": .string("{}")]), scheme(), .missingField, "product"),
        ("inserted again", op(fields()), scheme(exists: true), .invalidField, "id"),
        ("changed", op(["amount": .int(5)], action: .update), scheme(), .unsupportedAction, nil),
    ]

    @Test(arguments: refusals.indices)
    func refused(index: Int) {
        let (name, operation, facts, code, field) = Self.refusals[index]
        let rejection = OperationValidator.check(operation, facts: facts, nowMilliseconds: Self.now)
        #expect(rejection?.code == code, "\(name): \(String(describing: rejection))")
        #expect(rejection?.field == field, "\(name)")
    }

    @Test func accepted() {
        #expect(OperationValidator.check(Self.op(Self.fields(["expert": .int(9)])), facts: Self.scheme(), nowMilliseconds: Self.now) == nil)
        // Not eligible is not a refusal: the dossier opens as ineligible and says why.
        #expect(OperationValidator.check(Self.op(Self.fields(["answers": .string(#"{"transport":"non"}"#)])), facts: Self.scheme(), nowMilliseconds: Self.now) == nil)
    }
}

/// An expert's answer to an offer: the same table as `Tests/sync/validate.test.mjs`.
@Suite struct OfferValidatorTests {
    static let now: Int64 = 10_000_000
    static let client = SyncActor(user: 1, role: .client)
    static let expert = SyncActor(user: 2, role: .expert)

    static func op(_ fields: [String: FieldValue], actor: SyncActor = expert, record: String = "41") -> SyncOperation {
        SyncOperation(id: "op", collection: .offer, action: .update, record: record, fields: fields, hlc: HLCTimestamp(milliseconds: now, node: "d"), actor: actor)
    }

    static func offered(expertUser: Int64 = 2, pending: Bool = true) -> RecordFacts {
        RecordFacts(actorSeesDossier: true, exists: true, offer: .init(expertUser: expertUser, pending: pending))
    }

    static let refusals: [(String, SyncOperation, RecordFacts, Rejection.Code)] = [
        ("another expert", op(["answer": .string("accepted")]), offered(expertUser: 9), .forbidden),
        ("its client", op(["answer": .string("accepted")], actor: client), offered(), .forbidden),
        ("answered twice", op(["answer": .string("declined")]), offered(pending: false), .invalidField),
        ("'maybe'", op(["answer": .string("maybe")]), offered(), .invalidField),
        ("a leading zero", op(["answer": .string("accepted")], record: "041"), offered(), .invalidRecord),
        ("unknown", op(["answer": .string("accepted")]), RecordFacts(actorSeesDossier: true, exists: false), .unknownRecord),
        ("a long reason", op(["answer": .string("declined"), "reason": .string(String(repeating: "x", count: 1_001))]), offered(), .invalidField),
    ]

    @Test(arguments: refusals.indices)
    func refused(index: Int) {
        let (name, operation, facts, code) = Self.refusals[index]
        #expect(OperationValidator.check(operation, facts: facts, nowMilliseconds: Self.now)?.code == code, "\(name)")
    }

    @Test func accepted() {
        #expect(OperationValidator.check(Self.op(["answer": .string("accepted")]), facts: Self.offered(), nowMilliseconds: Self.now) == nil)
        #expect(OperationValidator.check(Self.op(["answer": .string("declined"), "reason": .string("Pas disponible")]), facts: Self.offered(), nowMilliseconds: Self.now) == nil)
    }
}

/// A step that depends on others completes only once they are completed.
@Suite struct StepDependencyValidatorTests {
    static func op(_ fields: [String: FieldValue]) -> SyncOperation {
        SyncOperation(id: "op", collection: .step, action: .update, record: "7", fields: fields, hlc: HLCTimestamp(milliseconds: 10_000_000, node: "d"), actor: SyncActor(user: 2, role: .expert))
    }

    @Test func completionWaitsForTheStepsItDependsOn() {
        let waiting = RecordFacts(actorSeesDossier: true, exists: true, stepAssignee: .expert, stepWaitsFor: [1, 3])
        let refusal = OperationValidator.check(Self.op(["status": .string("completed")]), facts: waiting, nowMilliseconds: 10_000_000)
        #expect(refusal?.code == .forbidden && refusal?.field == "status")
        #expect(refusal?.message == "this step waits for steps 1, 3 to be completed first")
        // Moving it short of completion is fine; once nothing waits, so is completing it.
        #expect(OperationValidator.check(Self.op(["status": .string("in_progress")]), facts: waiting, nowMilliseconds: 10_000_000) == nil)
        let free = RecordFacts(actorSeesDossier: true, exists: true, stepAssignee: .expert)
        #expect(OperationValidator.check(Self.op(["status": .string("completed")]), facts: free, nowMilliseconds: 10_000_000) == nil)
    }
}
