import FTModel
import FTSeed
import FTServer
import FTStore
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing
import FTTestSupport

/// Attachments previewed: an image as it is, a PDF's first page drawn as a PNG (poppler's
/// `pdftoppm`), other files refused with 415, and the same access rule as the content.
@Suite(.timeLimit(.minutes(3))) struct PreviewTests {
    /// A one-page PDF saying `text`, with a correct cross-reference table.
    static func pdf(_ text: String) -> Data {
        let stream = "BT /F1 24 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { out += String(format: "%010d 00000 n \n", offset) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }

    /// A 1×1 PNG.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")!

    @Test func anImageAndAPDFsFirstPageArePreviewedForThoseWhoMaySeeThem() async throws {
        let fixture = try ServerFixture()
        let document = try DocumentTests.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let owner = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expert = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let other = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            for (version, name, bytes) in [("pv-pdf", "facture.pdf", Self.pdf("Facture 2026")), ("pv-png", "photo.png", Self.png), ("pv-txt", "notes.txt", Data("Notes".utf8))] {
                let uploaded = try await client.executeRequest(uri: DocumentTests.uploadURI(document, version, fileName: name, millisecond: version.count),
                                                               method: .put, headers: DocumentTests.uploadHeaders(owner), body: ByteBuffer(bytes: bytes))
                #expect(uploaded.status == .created, "\(name)")
            }
            let pdf = try await client.executeRequest(uri: "/api/v1/documents/versions/pv-pdf/preview", method: .get, headers: ServerFixture.headers(expert), body: nil)
            #expect(pdf.status == .ok)
            #expect(pdf.headers[.contentType] == "image/png")
            let picture = Data(pdf.body.readableBytesView)
            #expect(picture.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "a PNG")
            // 480 pixels wide (the IHDR chunk's width, big-endian, at byte 16).
            #expect(picture.count > 24 && picture[16..<20].reduce(0) { $0 << 8 | Int($1) } == 480)
            let image = try await client.executeRequest(uri: "/api/v1/documents/versions/pv-png/preview", method: .get, headers: ServerFixture.headers(owner), body: nil)
            #expect(image.status == .ok && Data(image.body.readableBytesView) == Self.png && image.headers[.contentType] == "image/png")
            let text = try await client.executeRequest(uri: "/api/v1/documents/versions/pv-txt/preview", method: .get, headers: ServerFixture.headers(owner), body: nil)
            #expect(text.status == .unsupportedMediaType)
            #expect(String(buffer: text.body).contains("no_preview"))
            let intruder = try await client.executeRequest(uri: "/api/v1/documents/versions/pv-pdf/preview", method: .get, headers: ServerFixture.headers(other), body: nil)
            #expect(intruder.status == .notFound)
            let anonymous = try await client.executeRequest(uri: "/api/v1/documents/versions/pv-pdf/preview", method: .get, headers: [:], body: nil)
            #expect(anonymous.status == .unauthorized)
        }
    }
}
