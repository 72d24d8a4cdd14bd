public import Foundation
internal import NIOCore
internal import NIOExtras
internal import NIOPosix
internal import NIOSSL

/// E-mail through an SMTP server (RFC 5321): `smtp://[user:password@]host[:port]` (port 25 by
/// default; STARTTLS whenever the server offers it, and required before a password is sent to
/// anything but this machine) or `smtps://…` (TLS from the first byte, port 465). One connection
/// per e-mail: simple, and a server that drops idle connections costs nothing.
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
    let timeout: TimeAmount
    /// Trusts this certificate authority (PEM file) instead of the system's, for a private relay.
    let trustedAuthority: String?

    public struct URLError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `url`: `smtp://user:password@host:port` or `smtps://…` (user and password percent-encoded).
    public init(url text: String, helloName: String, timeout: Duration = .seconds(30), trustedAuthority: String? = nil) throws {
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
        self.trustedAuthority = trustedAuthority
    }

    public var description: String { "SMTP \(security == .implicitTLS ? "smtps" : "smtp")://\(host):\(port)" + (user == nil ? "" : " as \(user ?? "")") }

    /// The URL without its password, for messages.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }

    var isLoopback: Bool { host == "localhost" || host == "127.0.0.1" || host == "::1" || host.hasPrefix("127.") }

    /// Sends, giving up after `timeout` in all (a server that stops answering mid-way).
    public func send(_ message: MailMessage) async throws {
        let seconds = timeout.nanoseconds / 1_000_000_000
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await self.converse(message)
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return false
            }
            let done = try await group.next() ?? false
            group.cancelAll()
            if !done { throw MailTransportError(reason: "\(host):\(port) did not finish within \(seconds) s") }
        }
    }

    private func converse(_ message: MailMessage) async throws {
        guard message.to.isValid, message.from.isValid else {
            throw MailTransportError(reason: "invalid address \(message.to.isValid ? message.from.address : message.to.address)")
        }
        let tls = try makeTLSContext()
        let host = self.host
        let implicit = security == .implicitTLS
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
            var session = SMTPSession(lines: inbound.makeAsyncIterator(), outbound: outbound)
            try await session.expect([220])
            var features = try await session.command("EHLO \(helloName)", expecting: 250)
            var encrypted = implicit
            if !encrypted && features.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) {
                _ = try await session.command("STARTTLS", expecting: 220)
                try await channel.channel.pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)), position: .first)
                encrypted = true
                features = try await session.command("EHLO \(helloName)", expecting: 250)
            }
            if let user, let password {
                guard encrypted || isLoopback else {
                    throw MailTransportError(reason: "\(host) offers no STARTTLS: the password is not sent in clear (use smtps://)")
                }
                let credentials = Data("\u{0}\(user)\u{0}\(password)".utf8).base64EncodedString()
                _ = try await session.command("AUTH PLAIN \(credentials)", expecting: 235, shown: "AUTH PLAIN ***")
            }
            _ = try await session.command("MAIL FROM:<\(message.from.address)>" + (features.contains { $0.uppercased().hasPrefix("8BITMIME") } ? " BODY=8BITMIME" : ""), expecting: 250)
            _ = try await session.command("RCPT TO:<\(message.to.address)>", expecting: 250, 251)
            _ = try await session.command("DATA", expecting: 354)
            _ = try await session.data(message.rendered())
            _ = try? await session.command("QUIT", expecting: 221)
        }
    }

    private func makeTLSContext() throws -> NIOSSLContext {
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

/// One SMTP conversation: commands and their replies (multi-line replies gathered).
struct SMTPSession {
    var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Reads one reply; its code must be one of `codes`. Returns the reply's lines' texts.
    @discardableResult
    mutating func expect(_ codes: [Int], after command: String = "the greeting") async throws -> [String] {
        var texts: [String] = []
        while true {
            guard let buffer = try await next() else {
                throw MailTransportError(reason: "the server closed the connection after \(command)")
            }
            let line = String(buffer: buffer).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw MailTransportError(reason: "not an SMTP reply after \(command): \(line.prefix(80))")
            }
            texts.append(String(line.dropFirst(4)))
            if line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
            guard codes.contains(code) else {
                throw MailTransportError(code: code, reason: "\(texts.joined(separator: " ")) (after \(command))")
            }
            return texts
        }
    }

    mutating func command(_ line: String, expecting codes: Int..., shown: String? = nil) async throws -> [String] {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await expect(codes, after: shown ?? String(line.prefix(while: { $0 != " " && $0 != ":" })))
    }

    /// The message after DATA: lines starting with a dot get another (RFC 5321 4.5.2), then
    /// the lone dot.
    mutating func data(_ message: Data) async throws -> [String] {
        var text = String(decoding: message, as: UTF8.self)
        if text.hasPrefix(".") { text = "." + text }
        text = text.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        if !text.hasSuffix("\r\n") { text += "\r\n" }
        try await outbound.write(ByteBuffer(string: text + ".\r\n"))
        return try await expect([250], after: "the message")
    }

    private mutating func next() async throws -> ByteBuffer? {
        try await lines.next()
    }
}
