internal import FTStore
internal import FTSync
internal import Hummingbird
internal import NIOCore

/// The body of `POST /sync/push`, written by hand like `PullJSON`:
/// `{"results": [{"operation", "status", "seq"?, "rejection"?: {"code", "field"?, "message"}}]}`,
/// as `docs/openapi.json` says.
struct PushJSON: ResponseGenerator {
    var results: [PushResult]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(16 + results.count * 96)
        buffer.writeStaticString(#"{"results":["#)
        for (index, result) in results.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString(#"{"operation":"#)
            PullJSON.writeJSONString(result.operation, into: &buffer)
            buffer.writeStaticString(result.status == .accepted ? #","status":"accepted""# : #","status":"rejected""#)
            if let seq = result.seq {
                buffer.writeStaticString(#","seq":"#)
                buffer.writeString(String(seq))
            }
            if let rejection = result.rejection {
                buffer.writeStaticString(#","rejection":{"code":"#)
                PullJSON.writeJSONString(rejection.code.rawValue, into: &buffer)
                if let field = rejection.field {
                    buffer.writeStaticString(#","field":"#)
                    PullJSON.writeJSONString(field, into: &buffer)
                }
                buffer.writeStaticString(#","message":"#)
                PullJSON.writeJSONString(rejection.message, into: &buffer)
                buffer.writeStaticString("}")
            }
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]}")
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: buffer))
    }
}
