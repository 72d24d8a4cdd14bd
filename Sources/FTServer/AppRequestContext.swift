public import Hummingbird
public import HummingbirdWebSocket
public import FTModel
internal import NIOCore

/// The per-request context: who is signed in, once `SessionMiddleware` has looked.
public struct AppRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, if the request carried a valid token.
    public var user: User?
    /// The bearer token as sent (for sign-out).
    public var token: String?
    /// Where a WebSocket route leaves its handler for the upgrade.
    public let webSocket = WebSocketHandlerReference<Self>()

    /// The connection the request came on (the live channel writes to it after the upgrade).
    let channel: any Channel

    public init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The client's IP address, for the limits on attempts (the connection's peer: behind a
    /// reverse proxy, the proxy's).
    var clientAddress: String {
        channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Sync batches are JSON; 4 MiB is about 10,000 short messages.
    public var maxUploadSize: Int { 4 * 1_024 * 1_024 }
}
