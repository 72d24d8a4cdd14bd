import FTServer
import Foundation
import Hummingbird
import Testing

/// Every route the server answers is in `docs/openapi.json`, and every documented path is a
/// route. (`Tests/api/test_openapi.py` checks the answers themselves against a running server.)
@Suite struct OpenAPIRoutesTests {
    @Test func theDocumentedPathsAreExactlyTheRoutes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("docs/openapi.json"))
        let spec = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, item in item.keys.map { "\($0.uppercased()) \(path)" } })

        let fixture = try ServerFixture()
        let router = buildRouter(database: fixture.database, configuration: ServerConfiguration(publicDirectory: fixture.publicDirectory), blobs: fixture.blobs)
        let routes = Set(router.routes.map { route -> String in
            let path = route.path.description
            // Hummingbird writes parameters `{name}` like OpenAPI, or `:name`.
            let normalized = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue) /\(normalized)"
        })
        #expect(routes == documented, "undocumented: \(routes.subtracting(documented).sorted()), not served: \(documented.subtracting(routes).sorted())")
    }
}
