internal import Crypto
public import Foundation
internal import FTModel

/// One e-mail as it goes on the wire (RFC 5322 with MIME): a text and an HTML part in UTF-8,
/// quoted-printable, headers encoded per RFC 2047, and maybe files attached (base64, the whole
/// then `multipart/mixed`). The same e-mail always makes the same bytes (its boundaries come from
/// its Message-ID): a copy sent again after a crash is identical.
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
    public var attachments: [MailAttachment]

    public init(
        from: MailAddress, to: MailAddress, subject: String, messageId: String, date: Date, text: String, html: String, unsubscribe: URL?,
        attachments: [MailAttachment] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.messageId = messageId
        self.date = date
        self.text = text
        self.html = html
        self.unsubscribe = unsubscribe
        self.attachments = attachments
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
        let alternative = attachments.isEmpty ? boundary : boundary + "-alt"
        var lines = headers
        if !attachments.isEmpty {
            lines.append("Content-Type: multipart/mixed;\r\n boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("--\(boundary)")
        }
        lines.append("Content-Type: multipart/alternative;" + (attachments.isEmpty ? " " : "\r\n ") + "boundary=\"\(alternative)\"")
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--\(alternative)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(MIMEEncoding.quotedPrintable(body))
        }
        lines.append("--\(alternative)--")
        if !attachments.isEmpty {
            for attachment in attachments {
                lines.append("--\(boundary)")
                // Folded (RFC 5322): a spreadsheet's media type alone fills most of a line.
                lines.append("Content-Type: \(attachment.contentType);\r\n name=\"\(attachment.filename)\"")
                lines.append("Content-Disposition: attachment;\r\n filename=\"\(attachment.filename)\"")
                lines.append("Content-Transfer-Encoding: base64")
                lines.append("")
                lines.append(attachment.data.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]))
            }
            lines.append("--\(boundary)--")
        }
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

/// A file attached to an e-mail. `filename`: plain ASCII without quotes or line breaks (the
/// reports' names, `rapport-2026-W48.xlsx`), as this server names its files.
public struct MailAttachment: Sendable, Equatable {
    public var filename: String
    public var contentType: String
    public var data: Data

    public init(filename: String, contentType: String, data: Data) {
        self.filename = String(filename.filter { $0.isASCII && !$0.isNewline && $0 != "\"" && $0 != "\\" })
        self.contentType = contentType
        self.data = data
    }
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
        EmailAddress.isDeliverable(address)
    }

    var header: String {
        guard let name, !name.isEmpty else { return "<\(address)>" }
        return "\(MIMEEncoding.encodedWords(name)) <\(address)>"
    }
}
