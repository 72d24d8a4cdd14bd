public import Foundation
internal import NIOCore
internal import NIOExtras
internal import NIOPosix
internal import NIOSSL

/// E-mail through an SMTP server (RFC 5321): `smtp://[user:password@]host[:port]` (port 25 by
/// default; STARTTLS whenever the server offers it, and required before a password is sent to
/// anything but this machine) or `smtps://…` (TLS from the first byte, port 465). A round of
/// e-mails goes over a few SMTP sessions at once, each carrying its share one e-mail after the
/// other: the connection, EHLO, TLS handshake and AUTH are made once per session, not per e-mail.
public struct SMTPTransport: MailTransport {
    public enum Security: Sendable, Equatable {
        /// TLS after STARTTLS when offered.
        case startTLSWhenOffered
        /// TLS from the first byte.
        case implicitTLS
    }

    public let host: String
    public let port: Int
    public let security: Security
    let user: String?
    let password: String?
    /// The name this server gives itself in EHLO.
    let helloName: String
    /// The longest an exchange may take: opening a session, or one e-mail in it.
    let timeout: TimeAmount
    /// The most SMTP sessions a round holds open at once.
    let connections: Int
    /// Made once (reading and parsing the trust roots took about 2 ms, once per e-mail before).
    let tls: NIOSSLContext

    public struct URLError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `url`: `smtp://user:password@host:port` or `smtps://…` (user and password percent-encoded).
    /// `trustedAuthority`: a certificate authority (PEM file) to trust instead of the system's, for
    /// a private relay.
    public init(url text: String, helloName: String, timeout: Duration = .seconds(30), trustedAuthority: String? = nil, connections: Int = 4) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw URLError(description: "--smtp \(Self.redacted(text)): not a URL like smtp://user:password@host:587 or smtps://host:465")
        }
        switch scheme {
        case "smtp": security = .startTLSWhenOffered
        case "smtps": security = .implicitTLS
        default: throw URLError(description: "--smtp \(Self.redacted(text)): the scheme must be smtp or smtps, not \(scheme)")
        }
        self.host = host
        port = url.port ?? (security == .implicitTLS ? 465 : 25)
        user = url.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        password = url.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.helloName = helloName
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        self.connections = max(connections, 1)
        tls = try Self.makeTLSContext(trustedAuthority: trustedAuthority)
    }

    public var description: String { "SMTP \(security == .implicitTLS ? "smtps" : "smtp")://\(host):\(port)" + (user == nil ? "" : " as \(user ?? "")") }

    /// The URL without its password, for messages.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }

    var isLoopback: Bool { host == "localhost" || host == "127.0.0.1" || host == "::1" || host.hasPrefix("127.") }

    /// Sends one e-mail in a session of its own.
    public func send(_ message: MailMessage) async throws {
        if let error = await send([message]).first ?? nil { throw error }
    }

    /// Sends a round of e-mails over up to `connections` sessions at once, each taking a share in
    /// turn. An e-mail the server refuses fails alone (RSET, then the next one); a session that
    /// breaks, or an exchange that outlives `timeout`, fails its e-mail and the next one opens a new
    /// session; a session that cannot be opened fails the rest of its share.
    public func send(_ messages: [MailMessage]) async -> [(any Error)?] {
        let share = max((messages.count + connections - 1) / connections, 1)
        var outcomes = [(any Error)?](repeating: nil, count: messages.count)
        await withTaskGroup(of: (Int, [(any Error)?]).self) { group in
            for start in stride(from: 0, to: messages.count, by: share) {
                let part = Array(messages[start..<min(start + share, messages.count)])
                group.addTask { (start, await self.sendInTurn(part)) }
            }
            for await (start, part) in group {
                outcomes.replaceSubrange(start..<start + part.count, with: part)
            }
        }
        return outcomes
    }

    /// E-mails one after the other, in as few sessions as they take.
    private func sendInTurn(_ messages: [MailMessage]) async -> [(any Error)?] {
        var outcomes: [(any Error)?] = []
        while outcomes.count < messages.count {
            var opened = false
            do {
                try await converse { session, eightBit in
                    opened = true
                    while outcomes.count < messages.count {
                        let message = messages[outcomes.count]
                        guard message.to.isValid, message.from.isValid else {
                            outcomes.append(MailTransportError(reason: "invalid address \(message.to.isValid ? message.from.address : message.to.address)"))
                            continue
                        }
                        do {
                            try await within(&session) { try await $0.send(message, eightBit: eightBit) }
                            outcomes.append(nil)
                        } catch let error as MailTransportError where error.code != nil {
                            // Refused, the session still in step: the next e-mail after a RSET (in
                            // a new session if that fails).
                            outcomes.append(error)
                            guard (try? await within(&session) { try await $0.command("RSET", expecting: 250) }) != nil else { return }
                        }
                    }
                }
            } catch {
                // A session that could not be opened fails the rest; one that broke, its e-mail.
                let failed = opened ? min(outcomes.count + 1, messages.count) : messages.count
                outcomes += Array(repeating: error, count: failed - outcomes.count)
            }
        }
        return outcomes
    }

    /// Opens a session (connection, greeting, EHLO, STARTTLS when offered, AUTH), within
    /// `timeout`, hands it to `body` with whether the server takes 8-bit bodies, then says QUIT.
    private func converse(_ body: (inout SMTPSession, Bool) async throws -> Void) async throws {
        let host = self.host
        let implicit = security == .implicitTLS
        let tls = self.tls
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if implicit {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw MailTransportError(reason: "cannot connect to \(host):\(port): \(error)")
        }
        try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(lines: inbound.makeAsyncIterator(), outbound: outbound, channel: channel.channel)
            let features = try await within(&session) { session in
                try await session.expect([220])
                var features = try await session.command("EHLO \(helloName)", expecting: 250)
                var encrypted = implicit
                if !encrypted && features.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) {
                    try await session.command("STARTTLS", expecting: 220)
                    try await session.channel.pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)), position: .first)
                    encrypted = true
                    features = try await session.command("EHLO \(helloName)", expecting: 250)
                }
                if let user, let password {
                    guard encrypted || isLoopback else {
                        throw MailTransportError(reason: "\(host) offers no STARTTLS: the password is not sent in clear (use smtps://)")
                    }
                    let credentials = Data("\u{0}\(user)\u{0}\(password)".utf8).base64EncodedString()
                    try await session.command("AUTH PLAIN \(credentials)", expecting: 235, shown: "AUTH PLAIN ***")
                }
                return features
            }
            try await body(&session, features.contains { $0.uppercased().hasPrefix("8BITMIME") })
            _ = try? await within(&session) { try await $0.command("QUIT", expecting: 221) }
        }
    }

    /// Runs one exchange of `session` within `timeout`: past it, the connection is closed under
    /// it, and the exchange fails saying so.
    private func within<Result>(_ session: inout SMTPSession, _ exchange: (inout SMTPSession) async throws -> Result) async throws -> Result {
        let channel = session.channel
        let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        do {
            let result = try await exchange(&session)
            timer.cancel()
            return result
        } catch {
            timer.cancel()
            if (try? await timer.futureResult.get()) != nil {
                throw MailTransportError(reason: "\(host):\(port) did not answer within \(timeout.nanoseconds / 1_000_000_000) s")
            }
            throw error
        }
    }

    static func makeTLSContext(trustedAuthority: String?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let trustedAuthority {
            configuration.trustRoots = .file(trustedAuthority)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw MailTransportError(reason: "TLS cannot be set up: \(error)")
        }
    }

    /// SNI takes names, not addresses.
    static func sniName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }
}
