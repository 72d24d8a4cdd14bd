import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Testing

/// `ft verify` finds a damaged or missing document content (by version) or archive (by document).
@Suite(.timeLimit(.minutes(2))) struct VerifyTests {
    /// A small seeded data directory, `ft serve` on it, a document of the demo client's and the
    /// client's token.
    static func seededServer() async throws -> (data: String, document: String, server: DurabilityTests.Server, token: String) {
        let folder = try FT.temporaryDirectory()
        let data = folder + "/data"
        #expect(try FT.run(["seed", "--data-dir", data, "--experts", "4", "--clients", "6", "--today", "2026-11-20"]).status == 0)
        let document = try await DatabaseQueue(path: data + "/financialtracker.sqlite").read { db -> String in
            try #require(try String.fetchOne(db, sql: """
                SELECT d.id FROM document d JOIN dossier s ON s.id = d.dossierId JOIN client c ON c.id = s.clientId JOIN user u ON u.id = c.userId
                WHERE u.email = 'client@financialtracker.example' LIMIT 1
                """))
        }
        let port = 20_000 + Int.random(in: 0..<20_000)
        let server = try DurabilityTests.Server(dataDirectory: data, port: port, publicDirectory: folder + "/public", options: ["--no-rebuild"])
        do {
            try await server.waitUntilHealthy()
            let (status, session) = try await DurabilityTests.request(port, "POST", "/api/v1/session", body: ["email": "client@financialtracker.example", "password": "demo-financialtracker"])
            #expect(status == 201)
            return (data, document, server, try #require(session["token"] as? String))
        } catch {
            kill(server.process.processIdentifier, SIGKILL)
            throw error
        }
    }

    /// Uploads `text` as a new version through the running server; expects 201 and returns its answer.
    static func upload(_ port: Int, _ token: String, document: String, version: String, fileName: String, hlc: Int, text: String) async throws -> [String: Any] {
        var upload = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/documents/\(document)/versions/\(version)?fileName=\(fileName)&hlc=000\(hlc)-00000-test")!)
        upload.httpMethod = "PUT"
        upload.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        upload.setValue("1", forHTTPHeaderField: "FT-Protocol")
        let (answer, response) = try await URLSession.shared.upload(for: upload, from: Data(text.utf8))
        #expect((response as? HTTPURLResponse)?.statusCode == 201)
        return try JSONSerialization.jsonObject(with: answer) as? [String: Any] ?? [:]
    }

    @Test func verifyReportsDamagedAndMissingContent() async throws {
        let (data, document, server, token) = try await Self.seededServer()
        let port = server.port
        // Killed however the test ends.
        defer { kill(server.process.processIdentifier, SIGKILL) }
        let answer = try await Self.upload(port, token, document: document, version: "ver-check", fileName: "contrat.txt", hlc: 1_795_132_800_000, text: "Contrat de mission, signé")
        let sha = try #require(answer["sha256"] as? String)
        await server.kill9()

        let key = ["FT_DOCUMENT_KEY": FT.documentKey]
        let sound = try FT.run(["verify", "--data-dir", data], environment: key)
        #expect(sound.status == 0, "\(sound.output)\(sound.errors)")
        #expect(sound.output.contains("0 problem(s)"))
        // The seed stores real content for every version it makes: none comes without it.
        #expect(sound.output.contains(" 0 version(s) came without content"), "\(sound.output)")

        let blob = "\(data)/blobs/\(sha.prefix(2))/\(sha)"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
        bytes[bytes.count - 5] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: blob))
        let damaged = try FT.run(["verify", "--data-dir", data], environment: key)
        #expect(damaged.status == 1)
        #expect(damaged.output.contains("PROBLEM version ver-check"), "\(damaged.output)")

        try FileManager.default.removeItem(atPath: blob)
        let missing = try FT.run(["verify", "--data-dir", data], environment: key)
        #expect(missing.status == 1)
        #expect(missing.output.contains("no stored content"), "\(missing.output)")

        let wrongKey = try FT.run(["verify", "--data-dir", data], environment: ["FT_DOCUMENT_KEY": Data(repeating: 1, count: 32).base64EncodedString()])
        #expect(wrongKey.status != 0)
        #expect(wrongKey.errors.contains("does not open the stored documents"), "\(wrongKey.errors)")
    }

    /// `ft archive` moves older versions into an archive that `ft verify` reads whole; a damaged
    /// archive is reported by document, with exit status 1.
    @Test func archiveThenVerifyFindsADamagedArchive() async throws {
        let (data, document, server, token) = try await Self.seededServer()
        let port = server.port
        defer { kill(server.process.processIdentifier, SIGKILL) }
        // Three versions stamped after the demo data's, so that the two older ones are archived.
        let now = Int(Date().timeIntervalSince1970 * 1_000)
        for index in 1...3 {
            _ = try await Self.upload(port, token, document: document, version: "ver-a\(index)", fileName: "avenant-\(index).txt", hlc: now + index, text: "Avenant n°\(index) au contrat de mission")
        }
        await server.kill9()

        let key = ["FT_DOCUMENT_KEY": FT.documentKey]
        let archived = try FT.run(["archive", "--data-dir", data, "--keep", "1"], environment: key)
        #expect(archived.status == 0, "\(archived.output)\(archived.errors)")
        // The demo documents' older versions (real content since the seed stores it) go too.
        #expect(archived.output.contains("Archived "), "\(archived.output)")
        let archivedVersions = try await DatabaseQueue(path: data + "/financialtracker.sqlite").read { db in
            try String.fetchAll(db, sql: "SELECT id FROM documentVersion WHERE documentId = ? AND storage = 'archived'", arguments: [document])
        }
        #expect(Set(["ver-a1", "ver-a2"]).isSubset(of: archivedVersions), "\(archivedVersions)")
        let sound = try FT.run(["verify", "--data-dir", data], environment: key)
        #expect(sound.status == 0, "\(sound.output)\(sound.errors)")
        #expect(sound.output.contains("archived versions: 0 problem(s)"), "\(sound.output)")

        let archives = (FileManager.default.enumerator(atPath: data + "/blobs/archives")?.allObjects.compactMap { $0 as? String }.filter { $0.hasSuffix(".sealed") } ?? []).map { data + "/blobs/archives/" + $0 }
        #expect(!archives.isEmpty)
        for archive in archives {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
            bytes[bytes.count / 2] ^= 0x20
            try bytes.write(to: URL(fileURLWithPath: archive))
        }
        let damaged = try FT.run(["verify", "--data-dir", data], environment: key)
        #expect(damaged.status == 1)
        #expect(damaged.output.contains("PROBLEM document \(document)"), "\(damaged.output)")

        for archive in archives { try FileManager.default.removeItem(atPath: archive) }
        let missing = try FT.run(["verify", "--data-dir", data], environment: key)
        #expect(missing.status == 1)
        #expect(missing.output.contains("its archive is missing (\(archivedVersions.count) archived version(s)"), "\(missing.output)")

        let refused = try FT.run(["archive", "--data-dir", data, "--keep", "0"], environment: key)
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--keep must be at least 1"), "\(refused.errors)")
    }
}
