internal import Foundation
internal import NIOCore

/// One SMTP conversation: commands and their replies (multi-line replies gathered).
struct SMTPSession {
    var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// The connection, for STARTTLS and deadlines.
    let channel: any Channel

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

    @discardableResult
    mutating func command(_ line: String, expecting codes: Int..., shown: String? = nil) async throws -> [String] {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await expect(codes, after: shown ?? String(line.prefix(while: { $0 != " " && $0 != ":" })))
    }

    /// One e-mail: MAIL, RCPT, DATA and the message, each answered before the next (the server
    /// may not take them pipelined). `eightBit`: the server offers 8BITMIME.
    mutating func send(_ message: MailMessage, eightBit: Bool) async throws {
        try await command("MAIL FROM:<\(message.from.address)>" + (eightBit ? " BODY=8BITMIME" : ""), expecting: 250)
        try await command("RCPT TO:<\(message.to.address)>", expecting: 250, 251)
        try await command("DATA", expecting: 354)
        try await data(message.rendered())
    }

    /// The message after DATA: lines starting with a dot get another (RFC 5321 4.5.2), then
    /// the lone dot.
    @discardableResult
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
