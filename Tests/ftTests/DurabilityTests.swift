import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing

/// An acknowledged operation survives `kill -9` of the server at any moment: a real `ft serve`
/// process is killed repeatedly while a client pushes, restarted, and every id it acknowledged is
/// found again through pull.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DurabilityTests {
    final class Server {
        let process = Process()
        let port: Int

        init(dataDirectory: String, port: Int, publicDirectory: String? = nil, options: [String] = []) throws {
            self.port = port
            process.executableURL = FT.executable
            process.environment = FT.serverEnvironment
            process.arguments = ["serve", "--data-dir", dataDirectory, "--port", String(port), "--public", publicDirectory ?? dataDirectory + "/no-site"] + options
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func waitUntilHealthy() async throws {
            for _ in 0..<100 {
                if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!),
                    (response as? HTTPURLResponse)?.statusCode == 200
                {
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("the server did not start on port \(port)")
        }

        /// SIGKILL, then wait by polling: `waitUntilExit()` spins a run loop, which hung the whole
        /// run when other tests spawned processes at the same time.
        func kill9() async {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    static func request(_ port: Int, _ method: String, _ path: String, token: String? = nil, body: Any? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("1", forHTTPHeaderField: "FT-Protocol")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        // A sign-in hashes its password on a thread at nice 10, one at a time: beside the whole
        // suite on two cores it took more than 5 s. A bound for a server that hangs, not a measure.
        request.timeoutInterval = 60
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    @Test func acknowledgedOperationsSurviveKillNine() async throws {
        let data = try FT.temporaryDirectory() + "/data"
        let seeded = try FT.run(["seed", "--data-dir", data, "--experts", "4", "--clients", "6", "--today", "2026-11-20"])
        #expect(seeded.status == 0)
        let port = 20_000 + Int.random(in: 0..<20_000)
        var server = try Server(dataDirectory: data, port: port)
        try await server.waitUntilHealthy()

        let (status, session) = try await Self.request(port, "POST", "/api/v1/session", body: ["email": "client@financialtracker.example", "password": "demo-financialtracker"])
        #expect(status == 201)
        let token = try #require(session["token"] as? String)
        let (_, first) = try await Self.request(port, "GET", "/api/v1/sync/pull?cursor=0", token: token)
        let snapshot = try #require(first["snapshot"] as? [[String: Any]])
        let conversations = snapshot.compactMap { ($0["fields"] as? [String: Any])?["conversation"] as? Int }
        let conversation = try #require(conversations.first)

        var acknowledged = Set<String>()
        var counter = 0
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        for cycle in 0..<4 {
            // Push; once a push is acknowledged, kill the server 150-500 ms later, wherever it is
            // (from the start instead, a slow machine under the parallel tests sometimes had no
            // answer yet, and the cycle proved nothing).
            let start = counter
            // Stopped by a flag, not by cancelling the task: cancelling a URLSession request as
            // it fails (the server was just killed) deadlocks swift-corelibs-foundation (the
            // cancel handler and the failure both take the task's status lock) — 1 run in 4 hung.
            let stop = Mutex(false)
            let answered = Mutex(false)
            let pushing = Task { () -> Set<String> in
                var acked = Set<String>()
                var local = start
                while !stop.withLock({ $0 }) {
                    let operations = (0..<20).map { index -> [String: Any] in
                        let number = local + index
                        return [
                            "id": "dur-\(number)", "collection": "message", "action": "insert", "record": "dur-msg-\(number)",
                            "fields": ["conversation": conversation, "body": "message \(number)"],
                            "hlc": String(format: "%016lld-%05d-durable", now, number % 99_999),
                        ]
                    }
                    local += 20
                    guard let (code, answer) = try? await Self.request(port, "POST", "/api/v1/sync/push", token: token, body: ["operations": operations]), code == 200,
                        let results = answer["results"] as? [[String: Any]]
                    else { break }
                    for result in results where result["status"] as? String == "accepted" {
                        if let id = result["operation"] as? String { acked.insert(id) }
                    }
                    answered.withLock { $0 = true }
                }
                return acked
            }
            let patience = ContinuousClock.now + .seconds(20)
            while !answered.withLock({ $0 }), ContinuousClock.now < patience {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...500)))
            await server.kill9()
            stop.withLock { $0 = true }
            acknowledged.formUnion(await pushing.value)
            counter += 100_000
            server = try Server(dataDirectory: data, port: port)
            try await server.waitUntilHealthy()
            #expect(!acknowledged.isEmpty, "cycle \(cycle) acknowledged nothing")
        }

        // Every acknowledged id is in the log.
        var found = Set<String>()
        var cursor = 0
        while true {
            let (code, page) = try await Self.request(port, "GET", "/api/v1/sync/pull?cursor=\(cursor)&limit=5000", token: token)
            #expect(code == 200)
            let changes = page["changes"] as? [[String: Any]] ?? []
            for change in changes {
                if let id = (change["operation"] as? [String: Any])?["id"] as? String { found.insert(id) }
            }
            cursor = page["cursor"] as? Int ?? cursor
            if !(page["hasMore"] as? Bool ?? false) { break }
        }
        await server.kill9()
        #expect(acknowledged.count >= 40)
        #expect(acknowledged.subtracting(found).isEmpty, "\(acknowledged.subtracting(found).count) acknowledged operations were lost")
    }
}
