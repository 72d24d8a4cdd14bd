import FTModel
@testable import FTSync
import FTTestSupport
import Testing

/// Random operations, applied in random orders with random duplicates: every replica ends with
/// byte-identical state.
@Suite struct ConvergenceTests {
    /// SplitMix64, seeded (`FTTestSupport`): failures are reproducible from the printed seed.
    typealias Generator = SeededGenerator

    static func randomOperations(count: Int, using generator: inout Generator) -> [SyncOperation] {
        let actors = [SyncActor(user: 1, role: .client), SyncActor(user: 2, role: .expert), SyncActor(user: 3, role: .admin)]
        var operations: [SyncOperation] = []
        for index in 0..<count {
            let actor = actors.randomElement(using: &generator) ?? actors[0]
            // Few distinct timestamps and nodes, so that ties happen.
            let hlc = HLCTimestamp(
                milliseconds: Int64.random(in: 1_000...1_010, using: &generator),
                counter: Int.random(in: 0...2, using: &generator),
                node: ["a", "b", "c"].randomElement(using: &generator) ?? "a"
            )
            let record = String(Int.random(in: 1...4, using: &generator))
            let id = "op\(index)"
            let operation: SyncOperation
            switch Int.random(in: 0..<9, using: &generator) {
            case 0: operation = SyncOperation(id: id, collection: .message, action: .insert, record: "m" + record, fields: ["conversation": .int(1), "body": .string("corps \(index)")], hlc: hlc, actor: actor)
            case 1: operation = SyncOperation(id: id, collection: .message, action: .update, record: "m" + record, fields: ["body": .string("édité \(index)")], hlc: hlc, actor: actor)
            case 2: operation = SyncOperation(id: id, collection: .message, action: .delete, record: "m" + record, fields: [:], hlc: hlc, actor: actor)
            case 3: operation = SyncOperation(id: id, collection: .readReceipt, action: .update, record: "1:\(record)", fields: ["readUpTo": .int(Int64.random(in: 0...100, using: &generator))], hlc: hlc, actor: actor)
            case 4: operation = SyncOperation(id: id, collection: .rating, action: .update, record: "1:\(record)", fields: ["score": .int(Int64.random(in: 1...5, using: &generator)), "comment": .string("c\(index)")], hlc: hlc, actor: actor)
            case 5: operation = SyncOperation(id: id, collection: .step, action: .update, record: record, fields: ["progress": .int(Int64.random(in: 0...100, using: &generator)), "status": .string(["pending", "in_progress", "completed"].randomElement(using: &generator) ?? "pending")], hlc: hlc, actor: actor)
            case 6 where index.isMultiple(of: 2):
                // The due date moves, or the server finds the step past a due date.
                let field = Bool.random(using: &generator) ? "dueAt" : StepState.overdueMarker
                operation = SyncOperation(id: id, collection: .step, action: .update, record: record, fields: [field: .int(Int64.random(in: 0...3, using: &generator))], hlc: hlc, actor: actor)
            case 6: operation = SyncOperation(id: id, collection: .document, action: .update, record: "d" + record, fields: ["title": .string("titre \(index)")], hlc: hlc, actor: actor)
            case 7: operation = SyncOperation(id: id, collection: .documentVersion, action: .insert, record: "v\(index)", fields: ["document": .string("d" + record), "fileName": .string("f\(index).pdf"), "mediaType": .string("application/pdf"), "byteCount": .int(Int64(index)), "sha256": .string(String(repeating: "a", count: 64))], hlc: hlc, actor: actor)
            default: operation = SyncOperation(id: id, collection: .documentVersion, action: .update, record: "v\(Int.random(in: 0...max(0, index), using: &generator))", fields: ["validation": .string(["validated", "rejected"].randomElement(using: &generator) ?? "validated"), "reason": .string("r\(index)")], hlc: hlc, actor: actor)
            }
            operations.append(operation)
        }
        return operations
    }

    @Test(arguments: 0..<40)
    func replicasThatSawTheSameOperationsAgree(seed: Int) {
        var generator = Generator(state: UInt64(seed) &* 7_919 &+ 1)
        let operations = Self.randomOperations(count: Int.random(in: 5...60, using: &generator), using: &generator)
        var reference = Replica()
        for operation in operations { reference.apply(operation) }
        let expected = reference.canonicalJSON()
        for _ in 0..<6 {
            // Shuffle, duplicate some, interleave.
            var delivery = operations.shuffled(using: &generator)
            for _ in 0..<Int.random(in: 0...operations.count, using: &generator) {
                if let extra = operations.randomElement(using: &generator) {
                    delivery.insert(extra, at: Int.random(in: 0...delivery.count, using: &generator))
                }
            }
            var replica = Replica()
            for operation in delivery { replica.apply(operation) }
            #expect(replica.canonicalJSON() == expected, "seed \(seed)")
            #expect(replica == reference, "seed \(seed)")
        }
    }

    @Test(arguments: 0..<20)
    func mergingIsAssociativeCommutativeAndIdempotent(seed: Int) {
        var generator = Generator(state: UInt64(seed) &+ 99)
        let operations = Self.randomOperations(count: 30, using: &generator)
        // Three states of the same record from three disjoint parts of the operations.
        let parts = [operations.filter { $0.id.hasSuffix("0") || $0.id.hasSuffix("3") }, operations.filter { $0.id.hasSuffix("1") || $0.id.hasSuffix("4") }, operations.filter { $0.id.hasSuffix("2") || $0.id.hasSuffix("5") }]
        let deltas = parts.map { $0.compactMap { Replica.delta(of: $0) } }
        for collectionDeltas in [deltas[0], deltas[1], deltas[2]] {
            for a in collectionDeltas {
                #expect(a.merged(with: a) == a)
                for b in collectionDeltas where Self.sameKind(a, b) {
                    #expect(a.merged(with: b) == b.merged(with: a))
                    for c in collectionDeltas.prefix(5) where Self.sameKind(a, c) {
                        #expect(a.merged(with: b).merged(with: c) == a.merged(with: b.merged(with: c)))
                    }
                }
            }
        }
    }

    static func sameKind(_ a: RecordState, _ b: RecordState) -> Bool {
        switch (a, b) {
        case (.message, .message), (.rating, .rating), (.readReceipt, .readReceipt), (.document, .document), (.documentVersion, .documentVersion), (.step, .step): true
        default: false
        }
    }
}
