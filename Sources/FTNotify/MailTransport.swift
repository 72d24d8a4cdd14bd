public import Foundation

/// Where e-mails go: an SMTP server (`SMTPTransport`) or, with none configured, files
/// (`MailDirectory`).
public protocol MailTransport: Sendable {
    /// Sends one e-mail; throws `MailTransportError` (or any error) when it did not leave.
    func send(_ message: MailMessage) async throws
    /// Sends a round of e-mails, as the transport sees fit (`SMTPTransport`: several in one SMTP
    /// session); returns the outcome of each, in order: nil when it left, else why not.
    func send(_ messages: [MailMessage]) async -> [(any Error)?]
    /// What the log and `ft serve`'s start line say about it.
    var description: String { get }
}

extension MailTransport {
    /// One after the other.
    public func send(_ messages: [MailMessage]) async -> [(any Error)?] {
        var outcomes: [(any Error)?] = []
        for message in messages {
            do {
                try await send(message)
                outcomes.append(nil)
            } catch {
                outcomes.append(error)
            }
        }
        return outcomes
    }
}

/// Why an e-mail did not leave.
public struct MailTransportError: Error, CustomStringConvertible, Sendable {
    /// The SMTP reply code, if the server answered.
    public var code: Int?
    public var reason: String

    public init(code: Int? = nil, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { code.map { "\($0) \(reason)" } ?? reason }
}

/// The embedded default: each e-mail is written as `<Message-ID>.eml` in a folder (atomically:
/// a temporary file renamed), readable with any mail client or `python3 -m email`-style tools.
/// The same e-mail sent twice is the same file.
public struct MailDirectory: MailTransport {
    public let directory: String

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public var description: String { "files in \(directory)/" }

    public func send(_ message: MailMessage) async throws {
        let name = message.messageId.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }
        let path = (directory as NSString).appendingPathComponent(String(name) + ".eml")
        do {
            try message.rendered().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MailTransportError(reason: "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
