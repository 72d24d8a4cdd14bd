import Foundation
import Testing
@testable import FTNotify

@Suite struct MailMessageTests {
    static let message = MailMessage(
        from: MailAddress("notifications@financialtracker.example", name: "FinancialTracker"),
        to: MailAddress("marie@example.fr", name: "Marie Lefèvre"),
        subject: "2 nouveaux messages dans le dossier n° 12 — échéance proche",
        messageId: "ft-12-34@financialtracker.example",
        date: Date(timeIntervalSince1970: 1_796_644_800),
        text: "Bonjour Marie,\n.ligne qui commence par un point\nÉté = " + String(repeating: "très long ", count: 20) + "\n",
        html: "<p>Bonjour Marie</p>",
        unsubscribe: URL(string: "https://ft.example/api/v1/unsubscribe/abc")
    )

    @Test func headersAreEncodedAndOneClickUnsubscribeIsOffered() {
        let text = String(decoding: Self.message.rendered(), as: UTF8.self)
        let headers = text.components(separatedBy: "\r\n\r\n")[0]
        #expect(headers.allSatisfy { $0.isASCII })
        #expect(headers.contains("Subject: =?utf-8?B?"))
        #expect(headers.contains("From: FinancialTracker <notifications@financialtracker.example>"))
        #expect(headers.contains("Message-ID: <ft-12-34@financialtracker.example>"))
        #expect(headers.contains("Date: Mon, 07 Dec 2026 12:00:00 +0000"))
        #expect(headers.contains("List-Unsubscribe: <https://ft.example/api/v1/unsubscribe/abc>"))
        #expect(headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
        // Every line within 78 characters, CRLF only.
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 && !$0.contains("\n") })
        // The same e-mail makes the same bytes.
        #expect(Self.message.rendered() == Self.message.rendered())
    }

    @Test func quotedPrintableRoundTrips() {
        let source = "Été = 100 % \n  trailing space \nplain"
        let encoded = MIMEEncoding.quotedPrintable(source)
        #expect(encoded.contains("=C3=89t=C3=A9 =3D 100 %"))
        #expect(encoded.contains("trailing space=20\r\n"))
        // Decoding by hand: soft breaks removed, =XX back to bytes.
        var bytes: [UInt8] = []
        let joined = encoded.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "\r\n", with: "\n")
        let utf8 = Array(joined.utf8)
        var position = 0
        while position < utf8.count {
            if utf8[position] == UInt8(ascii: "="), position + 2 < utf8.count, let byte = UInt8(String(decoding: utf8[position + 1...position + 2], as: UTF8.self), radix: 16) {
                bytes.append(byte)
                position += 3
            } else {
                bytes.append(utf8[position])
                position += 1
            }
        }
        #expect(String(decoding: bytes, as: UTF8.self) == source)
    }

    @Test func invalidAddressesAreRefused() {
        #expect(MailAddress("marie@example.fr").isValid)
        #expect(!MailAddress("marie@example.fr>\r\nBcc: x@y.z").isValid)
        #expect(!MailAddress("marie example@fr").isValid)
        #expect(!MailAddress("marie").isValid)
    }

    @Test func attachmentsMakeAMixedMessageThatKeepsItsLinesShort() {
        var message = Self.message
        let bytes = Data((0..<600).map { UInt8($0 % 256) })
        message.attachments = [MailAttachment(filename: "rapport-2026-W48.xlsx", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data: bytes)]
        let text = String(decoding: message.rendered(), as: UTF8.self)
        #expect(text.contains("Content-Type: multipart/mixed;\r\n boundary="))
        #expect(text.contains("Content-Type: multipart/alternative;\r\n boundary="))
        #expect(text.contains("Content-Disposition: attachment;\r\n filename=\"rapport-2026-W48.xlsx\""))
        // Within 78 characters but the spreadsheet's media type, which alone takes 65 (RFC 5322's
        // limit is 998; 78 is its advice).
        let long = text.components(separatedBy: "\r\n").filter { $0.utf8.count > 78 || $0.contains("\n") }
        #expect(long == ["Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;"])
        // The file's base64 lines, joined, give the bytes back.
        let part = text.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n")[1].components(separatedBy: "\r\n--")[0]
        #expect(Data(base64Encoded: part.replacingOccurrences(of: "\r\n", with: "")) == bytes)
        #expect(message.rendered() == message.rendered())
        // A name that would break the header is cleaned.
        #expect(MailAttachment(filename: "a\"b\r\nc.pdf", contentType: "application/pdf", data: Data()).filename == "abc.pdf")
    }
}
