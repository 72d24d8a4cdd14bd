internal import Foundation
internal import Hummingbird
internal import HummingbirdWebSocket
internal import NIOCore
internal import Logging
internal import NIOWebSocket
internal import FTModel
internal import FTStore
internal import FTSync
internal import Synchronization

/// `GET /api/v1/sync/live`, a WebSocket. Browsers cannot set headers on a WebSocket, so the device
/// signs in with its first frame:
///
///     → {"type":"hello","protocol":1,"token":"…","cursor":120}
///     ← {"type":"welcome","user":7,"role":"client","cursor":120}
///     ← {"type":"changes","changes":[…],"cursor":131,"hasMore":false}   (what it missed, then each commit)
///     → {"type":"watch","conversation":42}     ← {"type":"presence","conversation":42,"online":[7,9]}
///     → {"type":"typing","conversation":42}    (the others in the room get {"type":"typing",…,"user":7})
///     → {"type":"ping"}                        ← {"type":"pong"}
///
/// Changes go through the same row-level rule as `GET /sync/pull` (see `LiveHub`); the session is
/// checked again as changes flow, so a sign-out or a deactivation ends the channel. A fatal
/// problem is answered with `{"type":"error","code":…,"message":…}` and a close frame.
struct LiveController {
    let database: AppDatabase
    let hub: LiveHub
    let now: @Sendable () -> Date
    /// How long a connection may stay silent before its hello.
    var helloTimeout: Duration = .seconds(10)

    static let maximumFrame = 64 * 1_024

    func add(to group: RouterGroup<AppRequestContext>) {
        group.ws("sync/live") { inbound, outbound, context in
            // A page of the same site (the admin dashboard) may rely on the session cookie — only
            // from the same origin, so that another site's page cannot ride on it.
            let sameOrigin = Self.sameOrigin(context.request)
            try await run(
                inbound: inbound, outbound: outbound, channel: context.requestContext.channel,
                cookieToken: sameOrigin ? AdminController.cookieToken(context.request) : nil, logger: context.logger
            )
        }
    }

    /// Whether the upgrade request's one `Origin` names the host it was sent to (as a browser
    /// page of this site sends it: `http://host:port`).
    static func sameOrigin(_ request: Request) -> Bool {
        guard request.headers[values: .origin].count == 1, let origin = request.headers[.origin], let host = request.head.authority,
            let url = URL(string: origin), let originHost = url.host
        else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
    }

    /// `channel`: the connection's, to which the hub writes changes once the catch-up is sent.
    private func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, cookieToken: String?, logger: Logger) async throws {
        let greeted = Atomic(false)
        let timeout = helloTimeout
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            if !greeted.load(ordering: .acquiring) {
                try? await fail(outbound, "hello_expected", "send {\"type\":\"hello\",…} first")
            }
        }
        defer { watchdog.cancel() }

        var messages = inbound.messages(maxSize: Self.maximumFrame).makeAsyncIterator()
        guard let first = try await messages.next() else { return }
        greeted.store(true, ordering: .releasing)
        guard let hello = decode(first), hello.type == .hello else {
            return try await fail(outbound, "hello_expected", "the first frame must be {\"type\":\"hello\",\"protocol\":1,\"token\":…,\"cursor\":…}")
        }
        guard hello.protocol == ServerConfiguration.protocolVersion else {
            let sent = hello.protocol.map(String.init) ?? "none"
            return try await fail(outbound, "update_required", "this server speaks sync protocol \(ServerConfiguration.protocolVersion), the app sent \(sent): please update the app")
        }
        guard let token = hello.token ?? cookieToken, !token.isEmpty, token.count <= 200, let user = try database.user(token: token, now: now()), let userId = user.id else {
            return try await fail(outbound, "unauthorized", "sign in first: the token is missing, unknown or expired")
        }
        let cursor = hello.cursor ?? 0
        let latest = try database.latestSequence()
        guard cursor >= 0, cursor <= latest else {
            return try await fail(outbound, "invalid_cursor", "cursor \(cursor) is not between 0 and the server's latest change (\(latest)); start again from 0")
        }
        let horizon = try database.syncHorizon()
        if cursor > 0, cursor < horizon {
            return try await fail(outbound, "cursor_compacted", "the log up to \(horizon) was compacted: pull from your cursor (GET /api/v1/sync/pull) to get a fresh snapshot, then connect again")
        }
        let actor = SyncActor(user: userId, role: user.role)
        if try database.wasGranted(after: cursor, for: actor) {
            return try await fail(outbound, "cursor_compacted", Self.grantedMessage)
        }
        let (id, events) = hub.join(actor, token: token, channel: channel)
        defer { hub.leave(id) }
        try await outbound.writeTextMessage(LiveMessage.Outgoing.welcome(user: userId, role: user.role.rawValue, cursor: cursor).json())
        logger.info("live channel opened", metadata: ["user": "\(userId)", "cursor": "\(cursor)"])

        let sender = Task {
            await send(events, of: id, from: cursor, actor: actor, token: token, outbound: outbound, logger: logger)
        }
        defer { sender.cancel() }

        while let message = try await messages.next() {
            guard let incoming = decode(message) else {
                try await outbound.writeTextMessage(LiveMessage.Outgoing.error(code: "invalid_message", message: "expected a JSON object with a known \"type\" (watch, unwatch, typing, ping)").json())
                continue
            }
            switch incoming.type {
            case .hello:
                try await outbound.writeTextMessage(LiveMessage.Outgoing.error(code: "invalid_message", message: "already signed in on this connection").json())
            case .ping:
                try await outbound.writeTextMessage(LiveMessage.Outgoing.pong.json())
            case .watch, .unwatch, .typing:
                guard let conversation = incoming.conversation else {
                    try await outbound.writeTextMessage(LiveMessage.Outgoing.error(code: "invalid_message", message: "\(incoming.type.rawValue) needs \"conversation\"").json())
                    continue
                }
                switch incoming.type {
                case .watch:
                    if try database.mayAccess(conversation: conversation, actor: actor) {
                        hub.watch(id, conversation: conversation)
                    } else {
                        try await outbound.writeTextMessage(LiveMessage.Outgoing.error(code: "forbidden", message: "not allowed on conversation \(conversation)").json())
                    }
                case .unwatch:
                    hub.unwatch(id, conversation: conversation)
                default:
                    if !hub.typing(id, conversation: conversation) {
                        try await outbound.writeTextMessage(LiveMessage.Outgoing.error(code: "forbidden", message: "watch conversation \(conversation) before typing in it").json())
                    }
                }
            }
        }
        logger.info("live channel closed", metadata: ["user": "\(userId)"])
    }

    /// First what the device missed (pulled with its cursor); then the hub writes each commit's
    /// changes to the connection itself (`LiveHub.finishCatchUp`), each change once and in order.
    /// This task goes on writing what the hub sends on `events`: presence, typing, the end of the
    /// session.
    private func send(_ events: AsyncStream<LiveHub.Event>, of id: UInt64, from start: Int64, actor: SyncActor, token: String, outbound: WebSocketOutboundWriter, logger: Logger) async {
        var cursor = start
        do {
            var page: PullPage
            repeat {
                page = try database.pull(for: actor, after: cursor, limit: 500)
                if !page.changes.isEmpty {
                    try await outbound.writeTextMessage(LiveMessage.Outgoing.changes(page.changes, cursor: page.cursor, hasMore: page.hasMore).json())
                }
                cursor = page.cursor
            } while page.hasMore && !Task.isCancelled
            // Cut short, the catch-up left a gap: nothing more goes to this (closing) connection.
            guard !Task.isCancelled else { return }
            hub.finishCatchUp(id, cursor: cursor)
            for await event in events {
                switch event {
                case .send(let message):
                    try await outbound.writeTextMessage(message.json())
                case .sessionEnded:
                    try await fail(outbound, "session_ended", "the session has ended (signed out, expired or deactivated): sign in again")
                    return
                case .resync:
                    try await fail(outbound, "cursor_compacted", Self.grantedMessage)
                    return
                }
            }
        } catch {
            logger.debug("live channel sender stopped", metadata: ["error": "\(error)"])
        }
    }

    /// Why a device must start again when a dossier became visible to its user.
    static let grantedMessage = "a dossier became visible to you since your cursor: pull from your cursor (GET /api/v1/sync/pull) to get a fresh snapshot, then connect again"

    private func decode(_ message: WebSocketMessage) -> LiveMessage.Incoming? {
        guard case .text(let text) = message else { return nil }
        return try? JSONDecoder().decode(LiveMessage.Incoming.self, from: Data(text.utf8))
    }

    private func fail(_ outbound: WebSocketOutboundWriter, _ code: String, _ message: String) async throws {
        try await outbound.writeTextMessage(LiveMessage.Outgoing.error(code: code, message: message).json())
        try await outbound.close(.policyViolation, reason: code)
    }
}
