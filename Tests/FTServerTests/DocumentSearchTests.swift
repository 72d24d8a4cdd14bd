import FTModel
import FTSeed
import FTServer
import FTStore
import FTSync
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing

/// Search in documents: text extracted from real PDFs (poppler's pdftotext) and text files into a
/// blind index (keyed hashes of words), in the background after each upload; results only from
/// the searcher's dossiers.
@Suite(.timeLimit(.minutes(2))) struct DocumentSearchTests {
    /// A one-page PDF (Helvetica, WinAnsi) showing `lines`, with a correct cross-reference table.
    static func pdf(_ lines: [String]) -> Data {
        func escaped(_ line: String) -> [UInt8] {
            var bytes: [UInt8] = []
            for scalar in line.unicodeScalars {
                switch scalar {
                case "(", ")", "\\": bytes += [0x5C, UInt8(scalar.value)]
                case _ where scalar.value < 0x80: bytes.append(UInt8(scalar.value))
                case _ where scalar.value <= 0xFF: bytes += Array(String(format: "\\%03o", scalar.value).utf8)
                default: bytes.append(0x3F)
                }
            }
            return bytes
        }
        var stream: [UInt8] = Array("BT /F1 12 Tf 72 770 Td 16 TL\n".utf8)
        for line in lines { stream += [0x28] + escaped(line) + Array(") Tj T*\n".utf8) }
        stream += Array("ET".utf8)
        let objects: [[UInt8]] = [
            Array("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Array("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8),
            Array("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".utf8),
            Array("<< /Length \(stream.count) >>\nstream\n".utf8) + stream + Array("\nendstream".utf8),
            Array("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".utf8),
        ]
        return assemble(objects.map { Data($0) })
    }

    /// A PDF file of `objects` (numbered from 1, the first the catalogue), with a correct
    /// cross-reference table.
    static func assemble(_ objects: [Data]) -> Data {
        var out = Data("%PDF-1.4\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.count)
            out += Data("\(index + 1) 0 obj\n".utf8) + object + Data("\nendobj\n".utf8)
        }
        let xref = out.count
        out += Data("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets { out += Data(String(format: "%010d 00000 n \n", offset).utf8) }
        out += Data("trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    static func search(_ client: some TestClientProtocol, _ token: String, _ query: String) async throws -> (HTTPResponse.Status, [[String: Any]]) {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let response = try await client.executeRequest(uri: "/api/v1/documents/search?q=\(encoded)", method: .get, headers: ServerFixture.headers(token), body: nil)
        let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return (response.status, object?["results"] as? [[String: Any]] ?? [])
    }

    /// Waits (at most 20 s) until the indexer has looked at `version`.
    static func indexed(_ database: AppDatabase, _ version: String) async throws -> (status: String, detail: String?) {
        for _ in 0..<200 {
            if let status = try database.textStatus(versionId: version) { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("version \(version) was never indexed")
        return ("", nil)
    }

    @Test func aPdfAndATextFileAreFoundByTheirWordsInTheirDossierOnly() async throws {
        let fixture = try ServerFixture()
        let document = try DocumentTests.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expert = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let other = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            let admin = try await ServerFixture.signIn(client, DemoAccounts.admin)

            let attestation = Self.pdf(["Attestation de crédit d'impôt recherche", "Exercice 2025 : montant éligible 48 500 euros", "Organisme : Bpifrance"])
            let pdfUpload = try await client.executeRequest(
                uri: DocumentTests.uploadURI(document, "ver-pdf", fileName: "attestation-cir.pdf", millisecond: 10), method: .put,
                headers: DocumentTests.uploadHeaders(token), body: ByteBuffer(bytes: attestation)
            )
            #expect(pdfUpload.status == .created)
            #expect(try ServerFixture.object(pdfUpload)["mediaType"] as? String == "application/pdf")
            let note = "Relevé des dépenses de R&D pour le crédit d'impôt : salaires, sous-traitance agréée."
            let textUpload = try await client.executeRequest(
                uri: DocumentTests.uploadURI(document, "ver-txt", fileName: "depenses.txt", millisecond: 20), method: .put,
                headers: DocumentTests.uploadHeaders(token), body: ByteBuffer(string: note)
            )
            #expect(textUpload.status == .created)
            #expect(try await Self.indexed(fixture.database, "ver-pdf").status == "indexed")
            #expect(try await Self.indexed(fixture.database, "ver-txt").status == "indexed")

            // Accents and case ignored; words are prefixes; every word must match.
            let (status, both) = try await Self.search(client, token, "CREDIT impot")
            #expect(status == .ok)
            #expect(Set(both.compactMap { $0["version"] as? String }) == ["ver-pdf", "ver-txt"])
            let (_, onlyPdf) = try await Self.search(client, token, "bpifrance eligib")
            #expect(onlyPdf.compactMap { $0["version"] as? String } == ["ver-pdf"])
            let hit = try #require(onlyPdf.first)
            #expect(hit["document"] as? String == document)
            #expect(hit["fileName"] as? String == "attestation-cir.pdf")
            let (_, byName) = try await Self.search(client, token, "depenses")
            #expect(byName.compactMap { $0["version"] as? String } == ["ver-txt"])

            // The dossier's expert and an admin find them; another client finds nothing.
            #expect(try await Self.search(client, expert, "credit impot").1.count == 2)
            #expect(try await Self.search(client, admin, "credit impot").1.count == 2)
            let (otherStatus, nothing) = try await Self.search(client, other, "credit impot")
            #expect(otherStatus == .ok)
            #expect(nothing.isEmpty)

            // Refusals.
            #expect(try await Self.search(client, token, "  ").0 == .badRequest)
            #expect(try await Self.search(client, token, "?!").0 == .badRequest)
            let anonymous = try await client.executeRequest(uri: "/api/v1/documents/search?q=credit", method: .get, headers: [HTTPField.Name("FT-Protocol")!: "1"], body: nil)
            #expect(anonymous.status == .unauthorized)
        }
    }

    /// Encrypted at rest means the text too: after upload and indexing, no file under the data
    /// folder holds a word of the document in any case or accent form; searching for it still
    /// finds the document; a wrong key finds nothing.
    @Test func noFileHoldsADocumentsWordsYetSearchFindsIt() async throws {
        let fixture = try ServerFixture(databaseFile: true)
        let document = try DocumentTests.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let upload = try await client.executeRequest(
                uri: DocumentTests.uploadURI(document, "ver-secret", fileName: "note.txt", millisecond: 30), method: .put,
                headers: DocumentTests.uploadHeaders(token), body: ByteBuffer(string: "Procès-verbal : la Zébrafontaine livre 12 palettes.")
            )
            #expect(upload.status == .created)
            #expect(try await Self.indexed(fixture.database, "ver-secret").status == "indexed")
            #expect(try await Self.search(client, token, "ZEBRAFONTAINE").1.compactMap { $0["version"] as? String } == ["ver-secret"])
            #expect(try await Self.search(client, token, "zébrafont palettes").1.compactMap { $0["version"] as? String } == ["ver-secret"])
            #expect(try await Self.search(client, token, "zebrafontaines").1.isEmpty)

            let wrongKey = BlindIndex(documentKey: try DocumentKey.parse(DocumentKey.generate(), source: "test"))
            let client = SyncActor(user: try #require(try fixture.database.user(email: DemoAccounts.client)?.id), role: .client)
            #expect(try fixture.database.searchDocuments("zebrafontaine", index: fixture.blobs.blindIndex, for: client).count == 1)
            #expect(try fixture.database.searchDocuments("zebrafontaine", index: wrongKey, for: client).isEmpty)
        }
        var forms: Set<String> = []
        for word in ["zébrafontaine", "zebrafontaine", "procès", "proces"] {
            for cased in [word, word.uppercased(), word.capitalized] {
                forms.insert(cased.precomposedStringWithCanonicalMapping)
                forms.insert(cased.decomposedStringWithCanonicalMapping)
            }
        }
        let folder = fixture.dataDirectory
        let files = FileManager.default.enumerator(atPath: folder)?.allObjects.compactMap { $0 as? String } ?? []
        #expect(files.contains("financialtracker.sqlite"))
        for file in files {
            guard let bytes = FileManager.default.contents(atPath: folder + "/" + file) else { continue }
            for form in forms {
                #expect(bytes.range(of: Data(form.utf8)) == nil, "\(file) holds '\(form)'")
            }
        }
    }

    /// A file that says it is a PDF and is not: recorded as failed, with why; nothing else stops.
    @Test func aBrokenPdfIsRecordedAsFailedAndSearchGoesOn() async throws {
        let fixture = try ServerFixture()
        let document = try DocumentTests.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let broken = Data("%PDF-1.7\n".utf8) + Data((0..<5_000).map { UInt8(truncatingIfNeeded: $0 &* 37) })
            let upload = try await client.executeRequest(
                uri: DocumentTests.uploadURI(document, "ver-broken", fileName: "scan.pdf", millisecond: 10), method: .put,
                headers: DocumentTests.uploadHeaders(token), body: ByteBuffer(bytes: broken)
            )
            #expect(upload.status == .created)
            let verdict = try await Self.indexed(fixture.database, "ver-broken")
            #expect(verdict.status == "failed")
            #expect(verdict.detail?.contains("pdftotext") == true, "\(verdict)")
            let image = try await client.executeRequest(
                uri: DocumentTests.uploadURI(document, "ver-png", fileName: "photo.png", millisecond: 20), method: .put,
                headers: DocumentTests.uploadHeaders(token), body: ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0])
            )
            #expect(image.status == .created)
            // A picture too broken for Tesseract is recorded as failed, with why.
            let picture = try await Self.indexed(fixture.database, "ver-png")
            #expect(picture.status == "failed" && picture.detail?.contains("tesseract") == true, "\(picture)")
            // The file name is still searchable.
            #expect(try await Self.search(client, token, "photo").1.compactMap { $0["version"] as? String } == ["ver-png"])
            #expect(DocumentTests.files(fixture.blobs.directory + "/tmp").isEmpty, "no decrypted copy left behind")
        }
    }
}
