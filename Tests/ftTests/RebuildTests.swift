import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Testing

/// `ft serve` rebuilds the public pages after a change that shows on them: a client's new rating,
/// pushed through the sync API, appears on the expert's public page without anyone running
/// `ft generate`.
@Suite(.timeLimit(.minutes(2))) struct RebuildTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("site-templates").path

    @Test func aPushedRatingReachesTheExpertsPublicPage() async throws {
        let folder = try FT.temporaryDirectory()
        let data = folder + "/data"
        let site = folder + "/public"
        #expect(try FT.run(["seed", "--data-dir", data, "--experts", "6", "--clients", "12", "--today", "2026-11-20"]).status == 0)
        let port = 20_000 + Int.random(in: 0..<20_000)
        let generated = try FT.run(["generate", "--data-dir", data, "--out", site, "--templates", Self.templates, "--base-url", "http://127.0.0.1:\(port)"])
        #expect(generated.status == 0, "\(generated.errors)")

        // The ids a device would know from its dossier (read here straight from the file).
        let (client, expert, slug) = try await DatabaseQueue(path: data + "/financialtracker.sqlite").read { db -> (Int64, Int64, String) in
            let row = try #require(try Row.fetchOne(db, sql: """
                SELECT c.id, e.id, e.slug FROM client c JOIN user cu ON cu.id = c.userId JOIN dossier d ON d.clientId = c.id
                JOIN expertAssignment a ON a.dossierId = d.id AND a.status <> 'cancelled' JOIN expert e ON e.id = a.expertId JOIN user eu ON eu.id = e.userId
                WHERE cu.email = 'client@financialtracker.example' AND eu.email = 'expert@financialtracker.example' LIMIT 1
                """))
            return (row[0], row[1], row[2])
        }
        // The expert has completed its mission (a review follows the work).
        try await DatabaseQueue(path: data + "/financialtracker.sqlite").write { db in
            try db.execute(sql: """
                UPDATE expertAssignment SET status = 'completed', completedAt = coalesce(completedAt, requestedAt)
                WHERE expertId = ? AND status <> 'cancelled' AND dossierId IN (SELECT id FROM dossier WHERE clientId = ?)
                """, arguments: [expert, client])
        }
        let before = try String(contentsOfFile: "\(site)/experts/\(slug)/index.html", encoding: .utf8)
        #expect(!before.contains("Dossier TICPE bouclé"))

        let server = try DurabilityTests.Server(dataDirectory: data, port: port, publicDirectory: site, options: ["--templates", Self.templates, "--rebuild-delay", "100"])
        // Killed however the test ends.
        defer { kill(server.process.processIdentifier, SIGKILL) }
        try await server.waitUntilHealthy()

        let (status, session) = try await DurabilityTests.request(port, "POST", "/api/v1/session", body: ["email": "client@financialtracker.example", "password": "demo-financialtracker"])
        #expect(status == 201)
        let token = try #require(session["token"] as? String)
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let rating: [String: Any] = [
            "id": "rebuild-rating-1", "collection": "rating", "action": "update", "record": "\(client):\(expert)",
            "fields": ["score": 5, "comment": "Dossier TICPE bouclé en trois semaines <merci>"], "hlc": String(format: "%016lld-00000-phone", now),
        ]
        let (code, answer) = try await DurabilityTests.request(port, "POST", "/api/v1/sync/push", token: token, body: ["operations": [rating]])
        #expect(code == 200)
        #expect((answer["results"] as? [[String: Any]])?.first?["status"] as? String == "accepted", "\(answer)")

        // The page, as a visitor gets it from the same server.
        var page = ""
        for _ in 0..<100 {
            let (body, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/experts/\(slug)/")!)
            page = String(decoding: body, as: UTF8.self)
            if page.contains("Dossier TICPE bouclé") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(page.contains("Dossier TICPE bouclé en trois semaines &lt;merci&gt;"))
        #expect(!page.contains("<merci>"))
        await server.kill9()
    }
}
