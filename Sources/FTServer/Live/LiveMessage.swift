internal import Foundation
internal import FTStore

/// The JSON text frames of the live channel (`GET /api/v1/sync/live`, WebSocket).
enum LiveMessage {
    /// What a device sends. The first frame must be `hello`.
    struct Incoming: Decodable {
        enum Kind: String, Decodable {
            case hello, watch, unwatch, typing, ping
        }

        var type: Kind
        /// `hello`: the sync protocol the device speaks.
        var `protocol`: Int?
        /// `hello`: the bearer token from `POST /api/v1/session`.
        var token: String?
        /// `hello`: the last sequence number the device holds (0 for none).
        var cursor: Int64?
        /// `watch`, `unwatch`, `typing`.
        var conversation: Int64?
    }

    /// What the server sends.
    enum Outgoing: Sendable {
        case welcome(user: Int64, role: String, cursor: Int64)
        case changes([PulledChange], cursor: Int64, hasMore: Bool)
        case presence(conversation: Int64, online: [Int64])
        case typing(conversation: Int64, user: Int64)
        case pong
        case error(code: String, message: String)

        func json() -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data: Data?
            switch self {
            case let .welcome(user, role, cursor):
                data = try? encoder.encode(Welcome(user: user, role: role, cursor: cursor))
            case let .changes(changes, cursor, hasMore):
                data = try? encoder.encode(Changes(changes: changes, cursor: cursor, hasMore: hasMore))
            case let .presence(conversation, online):
                data = try? encoder.encode(Presence(conversation: conversation, online: online))
            case let .typing(conversation, user):
                data = try? encoder.encode(Typing(conversation: conversation, user: user))
            case .pong:
                data = try? encoder.encode(Plain(type: "pong"))
            case let .error(code, message):
                data = try? encoder.encode(Failure(code: code, message: message))
            }
            return data.map { String(decoding: $0, as: UTF8.self) } ?? #"{"type":"error","code":"internal","message":"could not encode"}"#
        }
    }

    private struct Welcome: Encodable {
        var type = "welcome"
        var user: Int64
        var role: String
        var cursor: Int64
    }

    private struct Changes: Encodable {
        var type = "changes"
        var changes: [PulledChange]
        var cursor: Int64
        var hasMore: Bool
    }

    private struct Presence: Encodable {
        var type = "presence"
        var conversation: Int64
        var online: [Int64]
    }

    private struct Typing: Encodable {
        var type = "typing"
        var conversation: Int64
        var user: Int64
    }

    private struct Plain: Encodable {
        var type: String
    }

    private struct Failure: Encodable {
        var type = "error"
        var code: String
        var message: String
    }
}
