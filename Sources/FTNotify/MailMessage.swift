internal import Crypto
public import Foundation

/// One e-mail as it goes on the wire (RFC 5322 with MIME): a text and an HTML part in UTF-8,
/// quoted-printable, headers encoded per RFC 2047. The same e-mail always makes the same bytes
/// (its boundary comes from its Message-ID): a copy sent again after a crash is identical.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    /// Without angle brackets: `ft-12-34@financialtracker.example`.
    public var messageId: String
    public var date: Date
    public var text: String
    public var html: String
    /// One-click unsubscribe (RFC 8058): the link, given in `List-Unsubscribe`.
    public var unsubscribe: URL?

    public init(from: MailAddress, to: MailAddress, subject: String, messageId: String, date: Date, text: String, html: String, unsubscribe: URL?) {
        self.from = from
        self.to = to
        self.subject = subject
        self.messageId = messageId
        self.date = date
        self.text = text
        self.html = html
        self.unsubscribe = unsubscribe
    }

    /// The e-mail's bytes, lines ending in CRLF.
    public func rendered() -> Data {
        let boundary = "ft-" + SHA256.hash(data: Data(messageId.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        var headers = [
            "From: \(from.header)",
            "To: \(to.header)",
            "Subject: \(MIMEEncoding.encodedWords(subject))",
            "Date: \(Self.dateFormatter.string(from: date))",
            "Message-ID: <\(messageId)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        if let unsubscribe {
            headers.append("List-Unsubscribe: <\(unsubscribe.absoluteString)>")
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        var lines = headers
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(MIMEEncoding.quotedPrintable(body))
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return Data(lines.joined(separator: "\r\n").utf8)
    }

    static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter
    }()
}

/// A mailbox: an address and, maybe, a name shown for it.
public struct MailAddress: Sendable, Equatable {
    public var address: String
    public var name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// Whether the address is one this server writes into a header and an SMTP command: one
    /// `@`, no spaces, angle brackets or line breaks.
    public var isValid: Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && address.allSatisfy { $0.isASCII && !$0.isWhitespace && !"<>\"(),;:\\[]".contains($0) }
    }

    var header: String {
        guard let name, !name.isEmpty else { return "<\(address)>" }
        return "\(MIMEEncoding.encodedWords(name)) <\(address)>"
    }
}
