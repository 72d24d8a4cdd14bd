import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Testing

/// `ft verify` finds a damaged or missing document content, by version.
@Suite(.timeLimit(.minutes(2))) struct VerifyTests {
    @Test func verifyReportsDamagedAndMissingContent() async throws {
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
        // Killed however the test ends.
        defer { kill(server.process.processIdentifier, SIGKILL) }
        try await server.waitUntilHealthy()
        let (status, session) = try await DurabilityTests.request(port, "POST", "/api/v1/session", body: ["email": "client@financialtracker.example", "password": "demo-financialtracker"])
        #expect(status == 201)
        let token = try #require(session["token"] as? String)
        var upload = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/documents/\(document)/versions/ver-check?fileName=contrat.txt&hlc=0001795132800000-00000-test")!)
        upload.httpMethod = "PUT"
        upload.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        upload.setValue("1", forHTTPHeaderField: "FT-Protocol")
        let (answer, response) = try await URLSession.shared.upload(for: upload, from: Data("Contrat de mission, signé".utf8))
        #expect((response as? HTTPURLResponse)?.statusCode == 201)
        let sha = try #require((try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["sha256"] as? String)
        await server.kill9()

        let key = ["FT_DOCUMENT_KEY": FT.documentKey]
        let sound = try FT.run(["verify", "--data-dir", data], environment: key)
        #expect(sound.status == 0, "\(sound.output)\(sound.errors)")
        #expect(sound.output.contains("0 problem(s)"))
        #expect(sound.output.contains("came without content"))

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
}
