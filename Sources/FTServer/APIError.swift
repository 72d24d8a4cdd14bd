internal import Foundation
public import Hummingbird
internal import NIOCore

/// An error answered as JSON `{"error": code, "message": …, "field": …}` with its HTTP status.
/// Every input error is one of these: a client never gets a 500 for bad input.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    /// Seconds, sent as `Retry-After` (a 429's).
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: String] = ["error": code, "message": message]
        if let field { body["field"] = field }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(body)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let unauthorized = APIError(.unauthorized, "unauthorized", "sign in first: send Authorization: Bearer <token>")

    static func updateRequired(_ sent: String?) -> APIError {
        APIError(.upgradeRequired, "update_required", "this app is out of date (protocol \(sent ?? "none"), the server speaks \(ServerConfiguration.protocolVersion)); reload it to update")
    }

    /// A JSON body that did not decode, explained without internals.
    static func badBody(_ error: any Error) -> APIError {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .keyNotFound(let key, let context):
                return APIError(.badRequest, "invalid_body", "missing '\(key.stringValue)'\(where: context.codingPath)", field: key.stringValue)
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                return APIError(.badRequest, "invalid_body", "wrong type\(where: context.codingPath): \(context.debugDescription)", field: context.codingPath.last?.stringValue)
            case .dataCorrupted(let context):
                return APIError(.badRequest, "invalid_body", context.codingPath.isEmpty ? "the body is not valid JSON" : "invalid value\(where: context.codingPath): \(context.debugDescription)", field: context.codingPath.last?.stringValue)
            @unknown default:
                break
            }
        }
        if error is NIOTooManyBytesError {
            return APIError(.contentTooLarge, "body_too_large", "the body is larger than the server accepts")
        }
        if let problem = error as? APIError { return problem }
        if let http = error as? HTTPError, http.status == .contentTooLarge {
            return APIError(.contentTooLarge, "body_too_large", "the body is larger than the server accepts")
        }
        return APIError(.badRequest, "invalid_body", "the body is not valid JSON")
    }
}

extension String.StringInterpolation {
    mutating func appendInterpolation(where path: [any CodingKey]) {
        guard !path.isEmpty else { return }
        appendLiteral(" at ")
        appendLiteral(path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: "."))
    }
}
