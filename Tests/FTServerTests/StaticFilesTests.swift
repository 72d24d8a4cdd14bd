import CompressNIO
import FTServer
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing

/// The generated site as browsers get it: compressed when they accept it, revalidated with
/// ETag, cached for a year only where the name carries the content's hash, never outside the folder.
@Suite(.timeLimit(.minutes(2))) struct StaticFilesTests {
    static func fixture() throws -> ServerFixture {
        let fixture = try ServerFixture()
        let page = "<!doctype html><title>Experts</title>" + String(repeating: "<p>Expert en crédit d’impôt recherche à Lyon</p>\n", count: 400)
        try FileManager.default.createDirectory(atPath: fixture.publicDirectory + "/experts/jeanne", withIntermediateDirectories: true)
        try page.write(toFile: fixture.publicDirectory + "/experts/jeanne/index.html", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: fixture.publicDirectory + "/assets", withIntermediateDirectories: true)
        try String(repeating: "body { color: #222; }\n", count: 200).write(toFile: fixture.publicDirectory + "/assets/site.0a1b2c3d4e.css", atomically: true, encoding: .utf8)
        return fixture
    }

    /// A rebuild renames new versions over a page while it is being served: every answer is one
    /// whole version, its Content-Length its own (Hummingbird's file system took the size and the
    /// bytes from two different files).
    @Test func aPageReplacedWhileServedIsSentWhole() async throws {
        let fixture = try Self.fixture()
        let path = fixture.publicDirectory + "/experts/jeanne/index.html"
        let versions = (1...4).map { "<!doctype html><title>Version \($0)</title>" + String(repeating: "<p>Bio \($0)</p>\n", count: 300 * $0) }
        let stop = ManagedAtomicFlag()
        let writer = Thread {
            var index = 0
            while !stop.isSet {
                try? versions[index % versions.count].write(toFile: path, atomically: true, encoding: .utf8)
                index += 1
            }
        }
        writer.start()
        defer { stop.set() }
        try await fixture.app.test(.router) { client in
            for _ in 0..<300 {
                let answer = try await client.executeRequest(uri: "/experts/jeanne/", method: .get, headers: [:], body: nil)
                let body = String(decoding: answer.body.readableBytesView, as: UTF8.self)
                #expect(answer.status == .ok && versions.contains(body) && answer.headers[.contentLength] == String(answer.body.readableBytes),
                        "a cut or mixed answer: \(answer.body.readableBytes) bytes, Content-Length \(answer.headers[.contentLength] ?? "none")")
            }
        }
    }

    @Test func textIsGzippedForClientsThatAcceptIt() async throws {
        let fixture = try Self.fixture()
        let original = try Data(contentsOf: URL(fileURLWithPath: fixture.publicDirectory + "/experts/jeanne/index.html"))
        try await fixture.app.test(.router) { client in
            let plain = try await client.executeRequest(uri: "/experts/jeanne/", method: .get, headers: [:], body: nil)
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(Data(plain.body.readableBytesView) == original)
            #expect(plain.headers[.vary]?.contains("Accept-Encoding") == true)
            #expect(plain.headers[.cacheControl]?.contains("no-cache") == true)

            for _ in 0..<2 {  // the second answer comes from the cache
                let zipped = try await client.executeRequest(uri: "/experts/jeanne/", method: .get, headers: [.acceptEncoding: "br;q=1.0, gzip;q=0.8"], body: nil)
                #expect(zipped.status == .ok)
                #expect(zipped.headers[.contentEncoding] == "gzip")
                #expect(zipped.body.readableBytes < original.count / 4)
                #expect(zipped.headers[.contentLength] == String(zipped.body.readableBytes))
                var body = zipped.body
                let inflated = try body.decompress(with: .gzip())
                #expect(Data(inflated.readableBytesView) == original)
                #expect(zipped.headers[.eTag] != plain.headers[.eTag])
                // Revalidating the compressed copy.
                let again = try await client.executeRequest(uri: "/experts/jeanne/", method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: zipped.headers[.eTag] ?? ""], body: nil)
                #expect(again.status == .notModified)
                #expect(again.headers[.eTag] == zipped.headers[.eTag])
            }

            let refused = try await client.executeRequest(uri: "/experts/jeanne/", method: .get, headers: [.acceptEncoding: "gzip;q=0"], body: nil)
            #expect(refused.headers[.contentEncoding] == nil)

            // Conditional and partial requests keep working.
            let eTag = try #require(plain.headers[.eTag])
            let notModified = try await client.executeRequest(uri: "/experts/jeanne/", method: .get, headers: [.ifNoneMatch: eTag], body: nil)
            #expect(notModified.status == .notModified)
            let partial = try await client.executeRequest(uri: "/experts/jeanne/", method: .get, headers: [.range: "bytes=0-99", .acceptEncoding: "gzip"], body: nil)
            #expect(partial.status == .partialContent)
            #expect(partial.headers[.contentEncoding] == nil)
            #expect(Data(partial.body.readableBytesView) == original.prefix(100))
        }
    }

    @Test func onlyTheFingerprintedStylesheetIsCachedForAYear() async throws {
        let fixture = try Self.fixture()
        try await fixture.app.test(.router) { client in
            let css = try await client.executeRequest(uri: "/assets/site.0a1b2c3d4e.css", method: .get, headers: [.acceptEncoding: "gzip"], body: nil)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
            #expect(css.headers[.cacheControl]?.contains("max-age=31536000") == true)
            #expect(css.headers[.cacheControl]?.contains("immutable") == true)
            #expect(css.headers[.contentEncoding] == "gzip")
            let page = try await client.executeRequest(uri: "/", method: .get, headers: [:], body: nil)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.headers[.lastModified] != nil)
        }
    }

    @Test(arguments: ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/experts/../../../etc/passwd", "/..%2f..%2fetc%2fpasswd"])
    func nothingOutsideTheSiteIsServed(path: String) async throws {
        let fixture = try Self.fixture()
        try await fixture.app.test(.router) { client in
            let response = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
            #expect(response.status != .ok)
            #expect(!String(buffer: response.body).contains("root:"))
        }
    }

    /// A page that does not exist: the site's own 404 page with status 404; the API keeps its
    /// JSON error, and without a generated 404 page the plain 404 stays.
    @Test func anUnknownPageGetsTheSitesNotFoundPage() async throws {
        let fixture = try Self.fixture()
        try await fixture.app.test(.router) { client in
            let bare = try await client.executeRequest(uri: "/nimportequoi/", method: .get, headers: [:], body: nil)
            #expect(bare.status == .notFound)
            try "<!doctype html><title>Page introuvable</title><h1>Page introuvable</h1>".write(toFile: fixture.publicDirectory + "/404.html", atomically: true, encoding: .utf8)
            let page = try await client.executeRequest(uri: "/nimportequoi/", method: .get, headers: [:], body: nil)
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: page.body).contains("<h1>Page introuvable</h1>"))
            // Gzipped like any page, when the browser accepts it and the page is worth it.
            let long = "<!doctype html><title>Page introuvable</title><h1>Page introuvable</h1>" + String(repeating: "<p>Rien ici.</p>", count: 200)
            try long.write(toFile: fixture.publicDirectory + "/404.html", atomically: true, encoding: .utf8)
            let zipped = try await client.executeRequest(uri: "/nimportequoi/", method: .get, headers: [.acceptEncoding: "gzip"], body: nil)
            #expect(zipped.status == .notFound)
            #expect(zipped.headers[.contentEncoding] == "gzip")
            var body = zipped.body
            #expect(String(buffer: try body.decompress(with: .gzip())) == long)
            let head = try await client.executeRequest(uri: "/experts/personne/", method: .head, headers: [:], body: nil)
            #expect(head.status == .notFound)
            let api = try await client.executeRequest(uri: "/api/v1/nimportequoi", method: .get, headers: [:], body: nil)
            #expect(api.status == .notFound)
            #expect(!String(buffer: api.body).contains("Page introuvable"))
            let existing = try await client.executeRequest(uri: "/experts/jeanne/", method: .get, headers: [:], body: nil)
            #expect(existing.status == .ok)
        }
    }
}

/// A flag one thread sets and another reads.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
