import FTModel
import FTSync
import Foundation
import Testing

/// The shared vectors in Tests/vectors/merge.json: every order of each case's operations, each
/// applied twice, gives exactly the expected records.
@Suite struct VectorTests {
    struct Vectors: Decodable {
        struct Case: Decodable {
            var name: String
            var operations: [SyncOperation]
        }
        var cases: [Case]
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("vectors/merge.json")

    static func load() throws -> (Vectors, [[String: Any]]) {
        let data = try Data(contentsOf: url)
        let vectors = try JSONDecoder().decode(Vectors.self, from: data)
        let raw = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expected = try #require(raw["cases"] as? [[String: Any]]).map { try #require($0["expected"] as? [String: Any]) }
        return (vectors, expected)
    }

    static func canonical(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    @Test func everyCaseInEveryOrder() throws {
        let (vectors, expected) = try Self.load()
        #expect(vectors.cases.count >= 7)
        for (index, vector) in vectors.cases.enumerated() {
            let want = try Self.canonical(expected[index])
            for order in permutations(of: vector.operations) {
                var replica = Replica()
                for operation in order + order.reversed() { replica.apply(operation) }
                #expect(replica.canonicalJSON() == want, "\(vector.name)")
            }
        }
    }

    private func permutations<T>(of items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index -> [[T]] in
            var rest = items
            let first = rest.remove(at: index)
            return permutations(of: rest).map { [first] + $0 }
        }
    }
}
