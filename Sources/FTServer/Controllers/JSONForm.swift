internal import Foundation
internal import Hummingbird

/// The JSON forms that pages without a session post (a saved search, a sign-up, a reset): JSON
/// only — a page of another site cannot send it without the browser asking first — at most
/// `maximum` bytes, decoded into `T`; every problem a 4xx naming it.
enum JSONForm {
    /// `refusingNUL`: a body that spells U+0000 in a string is refused whole (`invalid_body`).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, maximum: Int, refusingNUL: Bool = false) async throws -> T {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send JSON (Content-Type: application/json)")
        }
        do {
            let bytes = try await request.body.collect(upTo: maximum)
            let value = try JSONDecoder().decode(T.self, from: Data(bytes.readableBytesView))
            if refusingNUL, String(decoding: bytes.readableBytesView, as: UTF8.self).contains("\\u0000") {
                throw APIError(.badRequest, "invalid_body", "a field contains the NUL character (U+0000)")
            }
            return value
        } catch {
            throw APIError.badBody(error)
        }
    }
}
