import FTModel
import FTSeed
import FTServer
import FTStore
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import HummingbirdWSTesting
import FTSync
import HTTPTypes
import NIOWebSocket
import WSClient
import Testing

/// One device on the live channel: what it received, and a way to send and to hang up.
actor LiveDevice {
    private(set) var frames: [[String: Any]] = []
    private var outbound: WebSocketOutboundWriter?
    private(set) var closed = false

    func attach(_ writer: WebSocketOutboundWriter) { outbound = writer }
    func received(_ text: String) {
        if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] { frames.append(object) }
    }
    func ended() { closed = true }

    func send(_ object: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: object)
        try await outbound?.writeTextMessage(String(decoding: data, as: UTF8.self))
    }

    func hangUp() async { try? await outbound?.close(.normalClosure, reason: nil) }

    /// Operation ids of every change received so far.
    var changeIds: [String] {
        frames.filter { $0["type"] as? String == "changes" }.flatMap { ($0["changes"] as? [[String: Any]]) ?? [] }
            .compactMap { ($0["operation"] as? [String: Any])?["id"] as? String }
    }

    func frames(ofType type: String) -> [[String: Any]] { frames.filter { $0["type"] as? String == type } }
    func count(_ type: String) -> Int { frames(ofType: type).count }
    func strings(_ type: String, _ key: String) -> [String?] { frames(ofType: type).map { $0[key] as? String } }
    func ints(_ type: String, _ key: String) -> [Int?] { frames(ofType: type).map { $0[key] as? Int } }

    /// Waits (at most `seconds`) until `condition` holds for this device.
    func wait(_ seconds: Double = 5, until condition: @Sendable (isolated LiveDevice) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }

    /// Connects, sends `hello` and collects frames until the server or `hangUp` closes.
    static func connect(_ client: some TestClientProtocol, hello: [String: Any], headers: HTTPFields = [:]) -> (LiveDevice, Task<Void, any Error>) {
        let device = LiveDevice()
        let helloText = String(decoding: (try? JSONSerialization.data(withJSONObject: hello)) ?? Data(), as: UTF8.self)
        let task = Task {
            try await client.ws("/api/v1/sync/live", configuration: .init(additionalHeaders: headers)) { inbound, outbound, _ in
                await device.attach(outbound)
                try await outbound.writeTextMessage(helloText)
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    if case .text(let text) = message { await device.received(text) }
                }
            }
            await device.ended()
        }
        return (device, task)
    }
}

@Suite(.timeLimit(.minutes(2))) struct LiveChannelTests {
    static func liveApp(_ fixture: ServerFixture) -> some ApplicationProtocol {
        let configuration = ServerConfiguration(publicDirectory: fixture.publicDirectory, maximumBatch: 50)
        let router = buildRouter(database: fixture.database, configuration: configuration, now: { ServerFixture.today.addingTimeInterval(3_600) })
        return Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router))
    }

    static func hello(_ token: String, cursor: Int64 = 0) -> [String: Any] {
        ["type": "hello", "protocol": 1, "token": token, "cursor": cursor]
    }

    static func message(_ id: String, conversation: Int64, body: String, millisecond: Int = 0) -> [String: Any] {
        [
            "id": id, "collection": "message", "action": "insert", "record": "msg-\(id)",
            "fields": ["conversation": conversation, "body": body], "hlc": "000\(1_795_132_800_000 + millisecond)-00000-phone",
        ]
    }

    static func push(_ client: some TestClientProtocol, _ token: String, _ operations: [[String: Any]]) async throws {
        let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ServerFixture.json(["operations": operations]))
        #expect(response.status == .ok)
        let results = try #require(try ServerFixture.object(response)["results"] as? [[String: Any]])
        #expect(results.allSatisfy { $0["status"] as? String == "accepted" }, "\(results)")
    }

    /// A conversation of the other demo client (opened here if its dossier has none yet).
    static func otherClientsConversation(_ database: AppDatabase) throws -> Int64 {
        let user = try #require(try database.user(email: DemoAccounts.otherClient)?.id)
        let client = try #require(try database.client(userId: user)?.id)
        let dossier = try #require(try database.dossiers(clientId: client).first?.id)
        if let existing = try database.conversation(dossierId: dossier)?.id { return existing }
        return try #require(try database.insert(Conversation(dossierId: dossier, createdAt: ServerFixture.today)).id)
    }

    /// The session cookie stands for the hello's token only from a page of the same origin (a
    /// browser's page of this site, as the admin test shows in Chromium): another site's page, or
    /// another port of the same host, gets nothing from it; a token in the hello works anywhere.
    @Test func theCookieIsRefusedFromAnotherOrigin() async throws {
        let fixture = try ServerFixture()
        try await Self.liveApp(fixture).test(.live) { client in
            let port = try #require(client.port)
            let token = try await ServerFixture.signIn(client, DemoAccounts.admin)
            let cookieOnly: [String: Any] = ["type": "hello", "protocol": 1, "cursor": 0]
            // The test client adds its own "Origin: ws://localhost" to these (not the page's origin either).
            for origin in ["http://evil.example", "http://localhost:\(port + 1)"] {
                let (other, task) = LiveDevice.connect(client, hello: cookieOnly, headers: [.cookie: "ft_session=\(token)", .origin: origin])
                #expect(await other.wait { $0.strings("error", "code").contains("unauthorized") }, "\(origin): refused")
                #expect(await other.count("welcome") == 0)
                _ = try? await task.value
            }
            let (withToken, task) = LiveDevice.connect(client, hello: Self.hello(token), headers: [.origin: "http://evil.example"])
            #expect(await withToken.wait { $0.count("welcome") == 1 }, "a token in the hello is no ambient authority: it works from anywhere")
            await withToken.hangUp()
            _ = try? await task.value
        }
    }

    @Test func eachCommitReachesExactlyTheDevicesThatMaySeeIt() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        let elsewhere = try Self.otherClientsConversation(fixture.database)
        try await Self.liveApp(fixture).test(.live) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let otherToken = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            let adminToken = try await ServerFixture.signIn(client, DemoAccounts.admin)
            let devices = [clientToken, expertToken, otherToken, adminToken].map { LiveDevice.connect(client, hello: Self.hello($0)) }
            for (device, _) in devices {
                #expect(await device.wait { !$0.frames(ofType: "welcome").isEmpty })
            }
            let (clientDevice, expertDevice, otherDevice, adminDevice) = (devices[0].0, devices[1].0, devices[2].0, devices[3].0)

            try await Self.push(client, clientToken, [Self.message("live-1", conversation: conversation, body: "Le devis est signé")])
            for device in [clientDevice, expertDevice, adminDevice] {
                #expect(await device.wait { $0.changeIds.contains("live-1") })
            }
            // The other client's own change is its sync point: anything it could see of the
            // first one would have arrived before it (one writer per connection, in commit order).
            try await Self.push(client, otherToken, [Self.message("live-2", conversation: elsewhere, body: "Autre dossier")])
            #expect(await otherDevice.wait { $0.changeIds.contains("live-2") })
            #expect(await otherDevice.changeIds == ["live-2"])
            #expect(await adminDevice.wait { $0.changeIds.contains("live-2") })
            #expect(!(await clientDevice.changeIds.contains("live-2")))
            #expect(!(await expertDevice.changeIds.contains("live-2")))

            // Each change once, in order, with the cursor of the last one.
            #expect(await expertDevice.changeIds == ["live-1"])
            let cursor = await expertDevice.ints("changes", "cursor").last ?? nil
            #expect(cursor.map(Int64.init) == (try fixture.database.latestSequence()) - 1)

            for (device, task) in devices {
                await device.hangUp()
                try await task.value
            }
        }
    }

    @Test func aDeviceThatReconnectsResumesFromItsCursor() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        try await Self.liveApp(fixture).test(.live) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            try await Self.push(client, clientToken, [Self.message("before-1", conversation: conversation, body: "un", millisecond: 1)])
            let seen = try fixture.database.latestSequence()
            // While the expert is away: two more.
            try await Self.push(client, clientToken, [
                Self.message("away-1", conversation: conversation, body: "deux", millisecond: 2),
                Self.message("away-2", conversation: conversation, body: "trois", millisecond: 3),
            ])
            let (device, task) = LiveDevice.connect(client, hello: Self.hello(expertToken, cursor: seen))
            #expect(await device.wait { $0.changeIds.count >= 2 })
            #expect(await device.changeIds == ["away-1", "away-2"])
            // And then live.
            try await Self.push(client, clientToken, [Self.message("after-1", conversation: conversation, body: "quatre", millisecond: 4)])
            #expect(await device.wait { $0.changeIds.count >= 3 })
            #expect(await device.changeIds == ["away-1", "away-2", "after-1"])
            await device.hangUp()
            try await task.value
        }
    }

    /// The hand-over from the catch-up to the hub's own writes: a device that connects while
    /// pushes keep coming gets each change once and in commit order — what it missed (two pages
    /// of catch-up), the commits made while the catch-up was written, then the rest.
    @Test func changesCommittedDuringTheCatchUpArriveOnceAndInOrder() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        try await Self.liveApp(fixture).test(.live) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let seen = try fixture.database.latestSequence()
            let backlog = (0..<600).map { "backlog-\($0)" }
            for start in stride(from: 0, to: backlog.count, by: 50) {
                try await Self.push(client, clientToken, backlog[start..<start + 50].map { Self.message($0, conversation: conversation, body: $0) })
            }
            let during = (0..<30).map { "during-\($0)" }
            let pushing = Task {
                for id in during { try await Self.push(client, clientToken, [Self.message(id, conversation: conversation, body: id)]) }
            }
            let (device, task) = LiveDevice.connect(client, hello: Self.hello(expertToken, cursor: seen))
            try await pushing.value
            let after = "after-catch-up"
            #expect(await device.wait(20) { $0.changeIds.count >= backlog.count + during.count })
            try await Self.push(client, clientToken, [Self.message(after, conversation: conversation, body: after)])
            #expect(await device.wait(10) { $0.changeIds.count >= backlog.count + during.count + 1 })
            #expect(await device.changeIds == backlog + during + [after])
            let cursors = await device.ints("changes", "cursor").compactMap { $0 }
            #expect(cursors == cursors.sorted() && Set(cursors).count == cursors.count, "\(cursors)")
            #expect(cursors.last.map(Int64.init) == (try fixture.database.latestSequence()))
            await device.hangUp()
            try await task.value
        }
    }

    @Test func typingAndPresenceTravelOnlyInsideTheDossier() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        try await Self.liveApp(fixture).test(.live) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let otherToken = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            let clientUser = try #require(try fixture.database.user(email: DemoAccounts.client)?.id)
            let expertUser = try #require(try fixture.database.user(email: DemoAccounts.expert)?.id)
            let (clientDevice, clientTask) = LiveDevice.connect(client, hello: Self.hello(clientToken))
            let (expertDevice, expertTask) = LiveDevice.connect(client, hello: Self.hello(expertToken))
            let (otherDevice, otherTask) = LiveDevice.connect(client, hello: Self.hello(otherToken))
            for device in [clientDevice, expertDevice, otherDevice] {
                #expect(await device.wait { !$0.frames(ofType: "welcome").isEmpty })
            }
            try await clientDevice.send(["type": "watch", "conversation": conversation])
            try await expertDevice.send(["type": "watch", "conversation": conversation])
            let both = [clientUser, expertUser].sorted().map(Int.init)
            #expect(await clientDevice.wait { $0.frames(ofType: "presence").contains { $0["online"] as? [Int] == both } })

            // Another client can neither join the room nor type in it.
            try await otherDevice.send(["type": "watch", "conversation": conversation])
            try await otherDevice.send(["type": "typing", "conversation": conversation])
            #expect(await otherDevice.wait { $0.frames(ofType: "error").count >= 2 })
            #expect(await otherDevice.strings("error", "code") == ["forbidden", "forbidden"])

            try await clientDevice.send(["type": "typing", "conversation": conversation])
            #expect(await expertDevice.wait { !$0.frames(ofType: "typing").isEmpty })
            #expect(await expertDevice.ints("typing", "user") == [Int(clientUser)])
            #expect(await expertDevice.ints("typing", "conversation") == [Int(conversation)])
            #expect(await clientDevice.count("typing") == 0)

            // The expert leaves: the client sees it go. Nothing of this was stored.
            await expertDevice.hangUp()
            try await expertTask.value
            #expect(await clientDevice.wait { $0.frames(ofType: "presence").last?["online"] as? [Int] == [Int(clientUser)] })
            #expect(await otherDevice.count("presence") == 0)
            #expect(await otherDevice.count("typing") == 0)
            #expect(try fixture.database.latestSequence() == 0)

            try await otherDevice.send(["type": "ping"])
            #expect(await otherDevice.wait { !$0.frames(ofType: "pong").isEmpty })
            for (device, task) in [(clientDevice, clientTask), (otherDevice, otherTask)] {
                await device.hangUp()
                try await task.value
            }
        }
    }

    @Test(arguments: [
        ("garbage", "hello_expected"),
        (#"{"type":"ping"}"#, "hello_expected"),
        (#"{"type":"hello","protocol":0,"token":"x","cursor":0}"#, "update_required"),
        (#"{"type":"hello","protocol":1,"token":"not-a-token","cursor":0}"#, "unauthorized"),
        (#"{"type":"hello","protocol":1,"cursor":0}"#, "unauthorized"),
    ])
    func aBadHelloIsRefusedAndClosed(hello: String, code: String) async throws {
        let fixture = try ServerFixture()
        try await Self.liveApp(fixture).test(.live) { client in
            let device = LiveDevice()
            try await client.ws("/api/v1/sync/live") { inbound, outbound, _ in
                try await outbound.writeTextMessage(hello)
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = message { await device.received(text) }
                }
            }
            #expect(await device.strings("error", "code") == [code])
            #expect(await device.count("welcome") == 0)
        }
    }

    @Test func aCursorFromTheFutureAndAnEndedSessionCloseTheChannel() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        try await Self.liveApp(fixture).test(.live) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            do {
                let (device, task) = LiveDevice.connect(client, hello: Self.hello(expertToken, cursor: 99))
                try await task.value
                #expect(await device.strings("error", "code") == ["invalid_cursor"])
            }
            // Signed out while connected: the next commit ends the channel instead of delivering it.
            let (device, task) = LiveDevice.connect(client, hello: Self.hello(expertToken))
            #expect(await device.wait { !$0.frames(ofType: "welcome").isEmpty })
            // A change just before: the server has just checked the session.
            try await Self.push(client, clientToken, [Self.message("before-sign-out", conversation: conversation, body: "visible", millisecond: 1)])
            #expect(await device.wait { $0.changeIds == ["before-sign-out"] })
            let response = try await client.executeRequest(uri: "/api/v1/session", method: .delete, headers: ServerFixture.headers(expertToken), body: nil)
            #expect(response.status == .noContent)
            try await Self.push(client, clientToken, [Self.message("after-sign-out", conversation: conversation, body: "secret", millisecond: 2)])
            try await task.value
            #expect(await device.changeIds == ["before-sign-out"])
            #expect(await device.strings("error", "code") == ["session_ended"])
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct CompactedCursorTests {
    /// A device whose cursor predates a compaction gets `reset` and a fresh snapshot over HTTP,
    /// and is told to pull first on the live channel.
    @Test func anOldCursorStartsAgainFromASnapshot() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        try await LiveChannelTests.liveApp(fixture).test(.live) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            try await LiveChannelTests.push(client, token, [LiveChannelTests.message("old-1", conversation: conversation, body: "un", millisecond: 1)])
            try await LiveChannelTests.push(client, token, [LiveChannelTests.message("old-2", conversation: conversation, body: "deux", millisecond: 2)])
            let report = try fixture.database.compactSyncLog(changesBefore: .distantFuture, tombstonesBefore: .distantPast, now: ServerFixture.today)
            #expect(report.horizon == 2)
            try await LiveChannelTests.push(client, token, [LiveChannelTests.message("new-1", conversation: conversation, body: "trois", millisecond: 3)])

            let response = try await client.executeRequest(uri: "/api/v1/sync/pull?cursor=1", method: .get, headers: ServerFixture.headers(token), body: nil)
            #expect(response.status == .ok)
            let page = try ServerFixture.object(response)
            #expect(page["reset"] as? Bool == true)
            let snapshot = try #require(page["snapshot"] as? [[String: Any]])
            #expect(snapshot.contains { $0["record"] as? String == "msg-old-1" } && snapshot.contains { $0["record"] as? String == "msg-old-2" })
            let changes = try #require(page["changes"] as? [[String: Any]])
            #expect(changes.compactMap { ($0["operation"] as? [String: Any])?["id"] as? String } == ["new-1"])

            // From the horizon itself: no reset, just what came after.
            let current = try await client.executeRequest(uri: "/api/v1/sync/pull?cursor=2", method: .get, headers: ServerFixture.headers(token), body: nil)
            let currentPage = try ServerFixture.object(current)
            #expect(currentPage["reset"] == nil && currentPage["snapshot"] == nil)

            let (device, task) = LiveDevice.connect(client, hello: LiveChannelTests.hello(token, cursor: 1))
            try await task.value
            #expect(await device.strings("error", "code") == ["cursor_compacted"])
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct GroupCommitTests {
    /// Many devices pushing at once: each push is answered as if alone (its own results, in its
    /// order), nothing is lost or applied twice, and a bad push does not spoil the others.
    @Test func concurrentPushesAreEachAnsweredAsAlone() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        try await LiveChannelTests.liveApp(fixture).test(.live) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let before = try fixture.database.latestSequence()
            let bodies = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        var operations = [LiveChannelTests.message("group-\(index)-a", conversation: conversation, body: "a\(index)", millisecond: index)]
                        // Every fifth push also carries an operation refused on its own.
                        if index % 5 == 0 { operations.append(LiveChannelTests.message("group-\(index)-x", conversation: 999_999, body: "x", millisecond: index)) }
                        operations.append(LiveChannelTests.message("group-\(index)-b", conversation: conversation, body: "b\(index)", millisecond: index))
                        let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ServerFixture.json(["operations": operations]))
                        return (index, Data(response.body.readableBytesView))
                    }
                }
                var bodies: [Int: Data] = [:]
                for try await (index, body) in group { bodies[index] = body }
                return bodies
            }
            let answers = bodies.mapValues { body in
                ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["results"] as? [[String: Any]] ?? []
            }
            #expect(answers.count == 40)
            var seqs = Set<Int>()
            for (index, results) in answers {
                let expected = index % 5 == 0 ? ["group-\(index)-a", "group-\(index)-x", "group-\(index)-b"] : ["group-\(index)-a", "group-\(index)-b"]
                #expect(results.compactMap { $0["operation"] as? String } == expected)
                #expect(results.compactMap { $0["status"] as? String } == expected.map { $0.hasSuffix("-x") ? "rejected" : "accepted" })
                seqs.formUnion(results.compactMap { $0["seq"] as? Int })
            }
            #expect(seqs.count == 80)
            #expect(try fixture.database.latestSequence() == before + 80)
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct PullBodyTests {
    /// Ids (printable ASCII, quotes and backslashes included) and texts (anything) made by
    /// devices come back exactly; an id outside printable ASCII is refused.
    @Test func oddCharactersSurviveTheTripThroughPush() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        let odd = "we\"ird\\id/<&>'{}"
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let operation: [String: Any] = [
                "id": odd, "collection": "message", "action": "insert", "record": odd + "-msg",
                "fields": ["conversation": conversation, "body": "Ligne 1\nLigne \"2\" \\ fin\t\u{01}/é🙂"], "hlc": "0001795132800000-00000-phone",
            ]
            let pushed = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ServerFixture.json(["operations": [operation]]))
            #expect((try ServerFixture.object(pushed)["results"] as? [[String: Any]])?.first?["status"] as? String == "accepted")
            let response = try await client.executeRequest(uri: "/api/v1/sync/pull?cursor=0", method: .get, headers: ServerFixture.headers(token), body: nil)
            let page = try ServerFixture.object(response)
            let pulled = try #require((page["changes"] as? [[String: Any]])?.first?["operation"] as? [String: Any])
            #expect(pulled["id"] as? String == odd)
            #expect(pulled["record"] as? String == odd + "-msg")
            #expect((pulled["fields"] as? [String: Any])?["body"] as? String == "Ligne 1\nLigne \"2\" \\ fin\t\u{01}/é🙂")
            #expect(page["cursor"] as? Int == 1 && page["hasMore"] as? Bool == false)

            var accented = operation
            accented["id"] = "opération-1"
            accented["record"] = "message-é"
            let refused = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ServerFixture.json(["operations": [accented]]))
            let result = (try ServerFixture.object(refused)["results"] as? [[String: Any]])?.first
            #expect(result?["status"] as? String == "rejected")
            #expect((result?["rejection"] as? [String: Any])?["code"] as? String == "invalidField")
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct PushRefusalTests {
    /// A NUL in any text would come back cut (SQLite's C strings): refused with a 400 naming the
    /// field, and nothing stored.
    @Test func aNulInTextIsA400NamingTheField() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let body: [String: Any] = ["id": "nul-body", "collection": "message", "action": "insert", "record": "m-nul", "fields": ["conversation": conversation, "body": "before\u{0}after"], "hlc": "0001795132800000-00000-phone"]
            let refused = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ServerFixture.json(["operations": [body]]))
            #expect(refused.status == .badRequest)
            #expect(try ServerFixture.object(refused)["field"] as? String == "body")
            var node = body
            node["id"] = "nul-node"
            node["fields"] = ["conversation": conversation, "body": "propre"]
            node["hlc"] = "0001795132800000-00000-\u{0}x"
            let badNode = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ServerFixture.json(["operations": [node]]))
            #expect(badNode.status == .badRequest)
            #expect(try ServerFixture.object(badNode)["field"] as? String == "hlc")
            #expect(try fixture.database.latestSequence() == 0)
        }
    }

    /// Another user reusing an operation id gets a 409 that says so, not the first user's answer.
    @Test func anotherUsersOperationIdIsA409() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        try await fixture.app.test(.router) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            func operation(_ record: String) -> [String: Any] {
                ["id": "same-id", "collection": "message", "action": "insert", "record": record, "fields": ["conversation": conversation, "body": "Bonjour"], "hlc": "0001795132800000-00000-phone"]
            }
            let first = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(clientToken), body: ServerFixture.json(["operations": [operation("m-client")]]))
            #expect(first.status == .ok)
            let clash = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(expertToken), body: ServerFixture.json(["operations": [operation("m-expert")]]))
            #expect(clash.status == .conflict)
            #expect(try ServerFixture.object(clash)["error"] as? String == "operation_id_taken")
            #expect(try fixture.database.messages(conversationId: conversation).contains { $0.id == "m-expert" } == false)
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct ConvergenceThroughTheServerTests {
    struct Page: Decodable {
        struct Change: Decodable { var operation: SyncOperation }
        var snapshot: [SyncOperation]?
        var changes: [Change]
    }

    /// The replica a device builds from `GET /sync/pull?cursor=0` (snapshot, then changes).
    static func replica(_ client: some TestClientProtocol, _ token: String) async throws -> Replica {
        let response = try await client.executeRequest(uri: "/api/v1/sync/pull?cursor=0&limit=5000", method: .get, headers: ServerFixture.headers(token), body: nil)
        let page = try JSONDecoder().decode(Page.self, from: Data(response.body.readableBytesView))
        var replica = Replica()
        for operation in page.snapshot ?? [] { replica.apply(operation) }
        for change in page.changes { replica.apply(change.operation) }
        return replica
    }

    /// A client and its expert edit the same dossier offline (the same step, the conversation)
    /// and sync in either order: every device pulls the same state.
    @Test func twoDevicesThatSyncInEitherOrderPullTheSameState() async throws {
        var views: [[String]] = []
        for order in [["client", "expert"], ["expert", "client"]] {
            let fixture = try ServerFixture()
            let conversation = try ServerTests.demoConversation(fixture.database)
            let clientUser = try #require(try fixture.database.user(email: DemoAccounts.client)?.id)
            let clientId = try #require(try fixture.database.client(userId: clientUser)?.id)
            let dossier = try #require(try fixture.database.dossiers(clientId: clientId).first { try fixture.database.conversation(dossierId: $0.id ?? 0)?.id == conversation }?.id)
            let step = try #require(try fixture.database.steps(dossierId: dossier).first { $0.assigneeRole == .client }?.id)
            let base = 1_795_132_800_000
            func hlc(_ offset: Int, _ node: String) -> String { "000\(base + offset)-00000-\(node)" }
            let raw: [String: [[String: Any]]] = [
                "client": [
                    ["id": "cv-1", "collection": "message", "action": "insert", "record": "cv-msg", "fields": ["conversation": conversation, "body": "Brouillon"], "hlc": hlc(1, "phone")],
                    ["id": "cv-2", "collection": "step", "action": "update", "record": String(step), "fields": ["progress": 40], "hlc": hlc(2, "phone")],
                    ["id": "cv-3", "collection": "message", "action": "update", "record": "cv-msg", "fields": ["body": "Version envoyée"], "hlc": hlc(5, "phone")],
                ],
                "expert": [
                    ["id": "ev-1", "collection": "step", "action": "update", "record": String(step), "fields": ["progress": 60, "status": "in_progress"], "hlc": hlc(3, "laptop")],
                    ["id": "ev-2", "collection": "message", "action": "insert", "record": "ev-msg", "fields": ["conversation": conversation, "body": "Reçu, je regarde"], "hlc": hlc(4, "laptop")],
                ],
            ]
            let batches = try raw.mapValues { try ServerFixture.json(["operations": $0]) }
            let view = try await fixture.app.test(.router) { client -> [String] in
                let tokens = [
                    "client": try await ServerFixture.signIn(client, DemoAccounts.client),
                    "expert": try await ServerFixture.signIn(client, DemoAccounts.expert),
                ]
                for who in order {
                    let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(tokens[who] ?? ""), body: batches[who])
                    let results = try #require(try ServerFixture.object(response)["results"] as? [[String: Any]])
                    #expect(results.allSatisfy { $0["status"] as? String == "accepted" }, "\(who): \(results)")
                }
                let clientReplica = try await Self.replica(client, tokens["client"] ?? "")
                let expertReplica = try await Self.replica(client, tokens["expert"] ?? "")
                if case .step(let merged) = clientReplica[.step, String(step)], case .message(let message) = clientReplica[.message, "cv-msg"] {
                    #expect(merged.effectiveFields["progress"] == .int(60), "the later edit wins")
                    #expect(message.visibleBody == "Version envoyée")
                } else {
                    Issue.record("the step or the message is missing from the replica")
                }
                return [clientReplica.canonicalJSON(), expertReplica.canonicalJSON()]
            }
            views.append(view)
        }
        #expect(views[0][0] == views[1][0], "the client's replica depends on the order")
        #expect(views[0][1] == views[1][1], "the expert's replica depends on the order")
    }
}

/// A WebSocket client on a plain socket, which reads only when asked: the device that stops
/// reading. Used from one task at a time (unchecked: it holds only its descriptor).
final class RawWebSocket: @unchecked Sendable {
    private let descriptor: Int32

    init(port: Int) throws {
        // A small receive window: the server's memory, not this socket's, fills up.
        guard let descriptor = ServerFixture.loopbackSocket(port: port, receiveWindow: 8_192) else { throw POSIXError(.ECONNREFUSED) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw POSIXError(.EPIPE) }
            sent += count
        }
    }

    /// The upgrade request, and its answer's head read (nothing after it).
    func handshake(path: String, port: Int) throws -> String {
        try send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8))
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]), recv(descriptor, &byte, 1, 0) == 1 { head.append(byte) }
        return String(decoding: head, as: UTF8.self)
    }

    /// One masked text frame (clients must mask).
    func sendText(_ text: String) throws {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        let mask: [UInt8] = [1, 2, 3, 4]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try send(frame)
    }

    /// Reads everything until the server closes the connection; false if it is still open after
    /// `seconds`. Returns the bytes read too.
    func readsToEnd(within seconds: Double) -> (closed: Bool, bytes: Int) {
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return (true, total) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return (true, total)
            }
            total += count
        }
        return (false, total)
    }
}

@Suite(.timeLimit(.minutes(2))) struct SlowReaderTests {
    /// A device that stops reading cannot grow the server's memory: once it has left more than
    /// the hub's `maximumUnread` bytes unread (4 MiB in `ft serve`; 256 KiB here, so that the test
    /// pushes less: the kernel's buffers take the first few megabytes whatever the limit), the server closes its connection (the device resumes from its cursor when
    /// it connects again).
    @Test func aConnectionThatNeverReadsIsClosed() async throws {
        let fixture = try ServerFixture()
        let conversation = try ServerTests.demoConversation(fixture.database)
        let configuration = ServerConfiguration(publicDirectory: fixture.publicDirectory, maximumBatch: 50)
        let now: @Sendable () -> Date = { ServerFixture.today.addingTimeInterval(3_600) }
        let hub = LiveHub(database: fixture.database, maximumUnread: 256 << 10, now: now)
        let router = buildRouter(database: fixture.database, configuration: configuration, live: hub, now: now)
        try await Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router)).test(.live) { client in
            let port = try #require(client.port)
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let socket = try RawWebSocket(port: port)
            let head = try socket.handshake(path: "/api/v1/sync/live", port: port)
            #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
            let hello = try JSONSerialization.data(withJSONObject: LiveChannelTests.hello(token))
            try socket.sendText(String(decoding: hello, as: UTF8.self))
            // 12 commits of 25 messages of 20 kB, about 6 MB of frames, and the device reads none.
            let body = String(repeating: "é", count: 10_000)
            for round in 0..<12 {
                let operations = (0..<25).map { LiveChannelTests.message("slow-\(round)-\($0)", conversation: conversation, body: body, millisecond: round * 25 + $0) }
                try await LiveChannelTests.push(client, token, operations)
            }
            // Read on a thread of its own: a blocking read on one of the two threads of Swift's
            // concurrency pool starved the other tests running beside this one.
            let (closed, bytes) = await withCheckedContinuation { continuation in
                Thread.detachNewThread { continuation.resume(returning: socket.readsToEnd(within: 20)) }
            }
            #expect(closed, "the connection is still open after \(bytes) bytes")
            #expect(bytes < 6 << 20, "it was sent \(bytes) bytes")
        }
    }
}
