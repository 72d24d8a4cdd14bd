internal import CompressNIO
internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import NIOCore
internal import Synchronization

/// Gzips text answers (pages, stylesheet, scripts, the search files, feeds) for clients that
/// accept it. The static files do not change between builds without their ETag changing, so a
/// compressed answer is kept, by path and ETag, in a bounded cache: the 3 MB search index is
/// compressed once, not on every visit. Range requests, partial and conditional answers pass
/// through untouched.
struct CompressionMiddleware<Context: RequestContext>: RouterMiddleware {
    let cache: CompressedCache
    /// Bodies smaller than this are not worth it; larger than `maximum` are sent as they are.
    var minimum = 1_024
    var maximum = 16 * 1_024 * 1_024

    static func compressible(_ contentType: String) -> Bool {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type.hasPrefix("text/") || ["application/javascript", "application/json", "application/xml", "application/atom+xml", "image/svg+xml", "application/manifest+json", "application/octet-stream"].contains(type)
    }

    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard pieces.first == "gzip" || pieces.first == "*" else { return false }
            return !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" || $0 == "q=0.0" || $0 == "q=0.00" || $0 == "q=0.000" }
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A browser revalidates the compressed copy with its own ETag: ask for the file's.
        var request = request
        let askedForCompressed = request.headers[.ifNoneMatch]?.contains("-gz\"") == true
        if askedForCompressed, let tags = request.headers[.ifNoneMatch] {
            var head = request.head
            head.headerFields[.ifNoneMatch] = tags.replacingOccurrences(of: "-gz\"", with: "\"")
            request = Request(head: head, body: request.body)
        }
        var response = try await next(request, context)
        if response.status == .notModified, askedForCompressed, let eTag = response.headers[.eTag], eTag.hasSuffix("\"") {
            response.headers[.eTag] = String(eTag.dropLast()) + "-gz\""
            return response
        }
        // The site's "page introuvable" too (`NotFoundPageMiddleware`, inside this one).
        guard request.method == .get, response.status == .ok || response.status == .notFound, request.headers[.range] == nil,
            response.headers[.contentEncoding] == nil,
            let type = response.headers[.contentType], Self.compressible(type)
        else { return response }
        if !response.headers[values: .vary].contains(where: { $0.lowercased().contains("accept-encoding") }) {
            response.headers.append(HTTPField(name: .vary, value: "Accept-Encoding"))
        }
        guard Self.acceptsGzip(request.headers[.acceptEncoding]),
            let length = response.headers[.contentLength].flatMap(Int.init), length >= minimum, length <= maximum
        else { return response }

        let eTag = response.headers[.eTag]
        let key = eTag.map { "\(request.uri.path) \($0)" }
        let compressed: ByteBuffer
        if let key, let cached = cache[key] {
            compressed = cached
        } else {
            let box = CollectedBody()
            try await response.body.write(CollectingWriter(box: box))
            var plain = box.buffer.withLock { $0 }
            compressed = try plain.compress(with: .gzip())
            if let key { cache[key] = compressed }
        }
        response.headers[.contentEncoding] = "gzip"
        response.headers[.contentLength] = String(compressed.readableBytes)
        // Another representation, so another validator.
        if let eTag { response.headers[.eTag] = eTag.hasSuffix("\"") ? String(eTag.dropLast()) + "-gz\"" : eTag + "-gz" }
        response.body = ResponseBody(byteBuffer: compressed)
        return response
    }
}

/// Compressed bodies by key, least recently stored dropped first once over `capacity` bytes.
final class CompressedCache: Sendable {
    private struct State {
        var entries: [String: ByteBuffer] = [:]
        var order: [String] = []
        var bytes = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 64 * 1_024 * 1_024) {
        self.capacity = capacity
    }

    subscript(key: String) -> ByteBuffer? {
        get { state.withLock { $0.entries[key] } }
        set {
            guard let newValue, newValue.readableBytes <= capacity else { return }
            state.withLock { state in
                if let old = state.entries.updateValue(newValue, forKey: key) {
                    state.bytes -= old.readableBytes
                } else {
                    state.order.append(key)
                }
                state.bytes += newValue.readableBytes
                while state.bytes > capacity, !state.order.isEmpty {
                    let oldest = state.order.removeFirst()
                    state.bytes -= state.entries.removeValue(forKey: oldest)?.readableBytes ?? 0
                }
            }
        }
    }
}

private final class CollectedBody: Sendable {
    let buffer = Mutex(ByteBuffer())
}

private struct CollectingWriter: ResponseBodyWriter {
    let box: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        _ = box.buffer.withLock { $0.writeBuffer(&buffer) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
