internal import Foundation
internal import FTStore
internal import FTSync
internal import Hummingbird
internal import NIOCore

/// The body of `GET /sync/pull`, written by hand: the logged fields go out as they were stored,
/// and a page of 5,000 changes costs a few milliseconds instead of a trip through `JSONEncoder`.
/// `{"reset"?, "snapshot"?, "changes": [{seq, operation}], "cursor", "hasMore"}`, as `docs/openapi.json`
/// says (the API test checks it against a running server).
struct PullJSON: ResponseGenerator {
    var reset: Bool
    var snapshot: [SyncOperation]?
    var changes: [StoredChange]
    var cursor: Int64
    var hasMore: Bool

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(128 + changes.count * 256)
        buffer.writeStaticString("{")
        if reset { buffer.writeStaticString(#""reset":true,"#) }
        if let snapshot {
            buffer.writeStaticString(#""snapshot":"#)
            buffer.writeBytes(try JSONEncoder().encode(snapshot))
            buffer.writeStaticString(",")
        }
        buffer.writeStaticString(#""changes":["#)
        for (index, change) in changes.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString(#"{"seq":"#)
            buffer.writeString(String(change.seq))
            buffer.writeStaticString(#","operation":{"id":"#)
            Self.writeJSONString(change.operationId, into: &buffer)
            buffer.writeStaticString(#","collection":"#)
            Self.writeJSONString(change.collection, into: &buffer)
            buffer.writeStaticString(#","action":"#)
            Self.writeJSONString(change.action, into: &buffer)
            buffer.writeStaticString(#","record":"#)
            Self.writeJSONString(change.record, into: &buffer)
            buffer.writeStaticString(#","fields":"#)
            buffer.writeString(change.fieldsJSON)
            buffer.writeStaticString(#","hlc":"#)
            Self.writeJSONString(change.hlc, into: &buffer)
            buffer.writeStaticString(#","actor":{"user":"#)
            buffer.writeString(String(change.actorId))
            buffer.writeStaticString(#","role":"#)
            Self.writeJSONString(change.actorRole, into: &buffer)
            buffer.writeStaticString("}}}")
        }
        buffer.writeStaticString(#"],"cursor":"#)
        buffer.writeString(String(cursor))
        buffer.writeStaticString(hasMore ? #","hasMore":true}"# : #","hasMore":false}"#)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: buffer))
    }

    /// A JSON string literal (`StateJSON.writeString`: quotes, backslashes and control characters
    /// escaped, the rest as UTF-8).
    static func writeJSONString(_ text: String, into buffer: inout ByteBuffer) {
        StateJSON.writeString(text) { buffer.writeBytes($0) }
    }
}
