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

/// Search in documents reads scans and photos: a picture and a PDF made only of a picture are read
/// by Tesseract (French data) in the background indexer, into the same blind index as text.
@Suite(.timeLimit(.minutes(3))) struct DocumentOCRTests {
    static let lines = ["Facture de maintenance industrielle", "Atelier Lumière, Clermont-Ferrand", "Total 12 400 euros"]

    /// Runs poppler's `pdftoppm` (as the test's own scanner) on `pdf`: the page's top 300 pixels at
    /// 150 dpi in grey, as PNG or as PGM (raw grey bytes after a short header).
    static func scan(_ pdf: Data, format: String) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ocr-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try pdf.write(to: URL(fileURLWithPath: folder + "/page.pdf"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftoppm")
        // PGM is pdftoppm's own format for grey (no flag); PNG is asked for.
        process.arguments = ["-r", "150", "-gray"] + (format == "png" ? ["-png"] : []) + ["-singlefile", "-W", "1240", "-H", "300", folder + "/page.pdf", folder + "/scan"]
        try process.run()
        process.waitUntilExit()
        return try Data(contentsOf: URL(fileURLWithPath: folder + "/scan.\(format)"))
    }

    /// A one-page PDF holding nothing but the grey picture `pgm` (no text layer): a scanner's PDF.
    static func imageOnlyPDF(_ pgm: Data) throws -> Data {
        // "P5\n<width> <height>\n255\n" then the bytes.
        var fields: [String] = []
        var index = pgm.startIndex
        while fields.count < 4 {
            var field = ""
            while index < pgm.endIndex, ![0x20, 0x0A, 0x0D, 0x09].contains(pgm[index]) {
                field.append(Character(UnicodeScalar(pgm[index])))
                index += 1
            }
            fields.append(field)
            index += 1
        }
        #expect(fields[0] == "P5")
        let (width, height) = (try #require(Int(fields[1])), try #require(Int(fields[2])))
        let pixels = pgm[index...]
        #expect(pixels.count == width * height)
        let (pageWidth, pageHeight) = (width * 72 / 150, height * 72 / 150)
        let content = "q \(pageWidth) 0 0 \(pageHeight) 0 0 cm /Scan Do Q"
        let objects: [Data] = [
            Data("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Data("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8),
            Data("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(pageWidth) \(pageHeight)] /Contents 4 0 R /Resources << /XObject << /Scan 5 0 R >> >> >>".utf8),
            Data("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream".utf8),
            Data("<< /Type /XObject /Subtype /Image /Width \(width) /Height \(height) /ColorSpace /DeviceGray /BitsPerComponent 8 /Length \(pixels.count) >>\nstream\n".utf8)
                + pixels + Data("\nendstream".utf8),
        ]
        return DocumentSearchTests.assemble(objects)
    }

    @Test func aPhotoAndAScannedPdfAreFoundByTheWordsTheyShow() async throws {
        let printed = DocumentSearchTests.pdf(Self.lines)
        let photo = try Self.scan(printed, format: "png")
        let scanned = try Self.imageOnlyPDF(try Self.scan(printed, format: "pgm"))
        let fixture = try ServerFixture()
        let document = try DocumentTests.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let other = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            for (version, name, bytes, type) in [("ocr-png", "IMG_2041.png", photo, "image/png"), ("ocr-pdf", "numerisation.pdf", scanned, "application/pdf")] {
                let upload = try await client.executeRequest(
                    uri: DocumentTests.uploadURI(document, version, fileName: name, millisecond: version.count), method: .put,
                    headers: DocumentTests.uploadHeaders(token), body: ByteBuffer(bytes: bytes)
                )
                #expect(upload.status == .created, "\(name)")
                #expect(try ServerFixture.object(upload)["mediaType"] as? String == type)
            }
            for version in ["ocr-png", "ocr-pdf"] {
                let verdict = try await DocumentSearchTests.indexed(fixture.database, version)
                #expect(verdict.status == "indexed" && verdict.detail == "ocr", "\(version): \(verdict)")
            }
            // Words only the pictures show (not the file names), accents folded.
            let (status, found) = try await DocumentSearchTests.search(client, token, "maintenance industrielle")
            #expect(status == .ok)
            #expect(Set(found.compactMap { $0["version"] as? String }) == ["ocr-png", "ocr-pdf"])
            #expect(Set(try await DocumentSearchTests.search(client, token, "LUMIERE 12").1.compactMap { $0["version"] as? String }) == ["ocr-png", "ocr-pdf"])
            #expect(try await DocumentSearchTests.search(client, other, "maintenance").1.isEmpty, "another client finds nothing")
            #expect(DocumentTests.files(fixture.blobs.directory + "/tmp").isEmpty, "no decrypted copy or drawn page left behind")
        }
    }
}
