import FTModel
@testable import FTSync
import Foundation
import FTTestSupport
import Testing

/// The hand-written JSON of states and fields reads back, through `JSONDecoder` and the
/// synthesized `Codable`, as the value it was written from.
@Suite struct StateJSONTests {
    static let awkward = ["", "é\u{301} \"cité\" \\ / \n\r\t \u{1} \u{1F} \u{7F} 🇫🇷", "<script>&amp;</script>"]

    @Test(arguments: 0..<20)
    func randomStatesReadBackEqual(seed: Int) throws {
        var generator = ConvergenceTests.Generator(state: UInt64(seed) &* 31 &+ 5)
        var replica = Replica()
        var operations = ConvergenceTests.randomOperations(count: 60, using: &generator)
        // Texts that need escaping, in bodies, comments, titles and file names.
        for index in operations.indices where index % 3 == 0 {
            for (name, value) in operations[index].fields where value.string != nil && name != "sha256" && name != "document" {
                operations[index].fields[name] = .string((value.string ?? "") + Self.awkward[index % Self.awkward.count])
            }
        }
        for operation in operations { replica.apply(operation) }
        var checked = 0
        for (_, state) in replica.records {
            guard let text = StateJSON.text(state) else {
                guard case .step = state else { Issue.record("only steps are left to JSONEncoder: \(state)"); continue }
                continue
            }
            let decoded = try JSONDecoder().decode(RecordState.self, from: Data(text.utf8))
            #expect(decoded == state, "\(text)")
            checked += 1
        }
        #expect(checked > 5)
    }

    @Test func fieldsReadBackEqual() throws {
        for text in Self.awkward {
            let fields: [String: FieldValue] = ["body": .string(text), "conversation": .int(-42), "flag": .bool(true), "none": .null, "big": .int(.max)]
            let json = StateJSON.text(fields)
            #expect(try JSONDecoder().decode([String: FieldValue].self, from: Data(json.utf8)) == fields)
            #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) is [String: Any])
        }
    }
}
