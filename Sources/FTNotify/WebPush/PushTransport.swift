internal import AsyncHTTPClient
public import Foundation
internal import NIOCore
internal import NIOHTTP1

/// One message for one browser's push service (RFC 8030): the encrypted body and its headers.
public struct PushRequest: Sendable {
    public var endpoint: URL
    public var body: Data
    /// `vapid t=…, k=…`.
    public var authorization: String
    /// Seconds the push service keeps the message for a browser that is offline.
    public var timeToLive: Int
    /// `very-low`, `low`, `normal` or `high` (RFC 8030 §5.3).
    public var urgency: String
    /// Replaces an undelivered message with the same topic: a retry after a crash is one message.
    public var topic: String?
}

/// What the push service answered.
public enum PushOutcome: Sendable, Equatable {
    case delivered
    /// 404 or 410: the browser unsubscribed; the subscription is to be removed.
    case gone
    /// Anything else: `retry` for what may pass later (429, 5xx, the network), not for a refusal.
    case failed(String, retry: Bool)
}

/// Sends push messages.
public protocol PushTransport: Sendable {
    func send(_ request: PushRequest) async -> PushOutcome
    func shutdown() async
}

/// Push messages over HTTPS, with async-http-client's pooled connections; no redirect is followed
/// (the endpoint was checked, where it would lead was not). The connections live on a thread of
/// their own behind the server's (`BackgroundLoop`), not on the event loops that serve requests.
public final class HTTPPushTransport: PushTransport {
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let loop = BackgroundLoop()

    public init(timeout: Duration = .seconds(15)) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(15))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        client = HTTPClient(eventLoopGroupProvider: .shared(loop.group), configuration: configuration)
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + Int64(timeout.components.attoseconds / 1_000_000_000))
    }

    public func send(_ push: PushRequest) async -> PushOutcome {
        var request = HTTPClientRequest(url: push.endpoint.absoluteString)
        request.method = .POST
        request.headers.add(name: "Authorization", value: push.authorization)
        request.headers.add(name: "TTL", value: String(push.timeToLive))
        request.headers.add(name: "Urgency", value: push.urgency)
        if let topic = push.topic { request.headers.add(name: "Topic", value: topic) }
        request.headers.add(name: "Content-Encoding", value: "aes128gcm")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(bytes: push.body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            // The answer's body says why, when it failed; a little of it is enough.
            let answer = try await response.body.collect(upTo: 16 << 10)
            let status = response.status.code
            switch status {
            case 200..<300: return .delivered
            case 404, 410: return .gone
            default:
                let text = String(decoding: answer.readableBytesView.prefix(300), as: UTF8.self)
                return .failed("the push service answered \(status)\(text.isEmpty ? "" : ": \(text)")", retry: status == 429 || status >= 500)
            }
        } catch {
            return .failed("\(error)", retry: true)
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
        await loop.shutdown()
    }
}
