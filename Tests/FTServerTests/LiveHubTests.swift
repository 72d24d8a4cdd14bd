@testable import FTServer
import FTModel
import FTSeed
import FTStore
import FTSync
import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

/// The hub's hand-over from a connection's catch-up to its own writes, step by step on a test
/// channel (the end-to-end test in `LiveChannelTests` cannot choose when commits land).
@Suite(.timeLimit(.minutes(1))) struct LiveHubTests {
    /// A hub, the demo expert's connection to it, and the demo client's messages.
    struct Setup {
        let database: AppDatabase
        let hub: LiveHub
        let channel = NIOAsyncTestingChannel()
        let id: UInt64
        let author: SyncActor
        let conversation: Int64
        let now = ServerFixture.today.addingTimeInterval(3_600)

        init() throws {
            database = try ServerFixture().database
            conversation = try ServerTests.demoConversation(database)
            let client = try #require(try database.signIn(email: DemoAccounts.client, password: DemoAccounts.defaultPassword, now: now))
            let expert = try #require(try database.signIn(email: DemoAccounts.expert, password: DemoAccounts.defaultPassword, now: now))
            author = SyncActor(user: try #require(client.user.id), role: .client)
            hub = LiveHub(database: database, now: { [now] in now })
            id = hub.join(SyncActor(user: try #require(expert.user.id), role: .expert), token: expert.token, channel: channel).id
        }

        /// Stores messages in one push (bodies: their names unless given); the hub hears of it
        /// only if `tell`. Returns the last one's sequence number.
        func commit(_ names: [String], body: String? = nil, tell: Bool = true) throws -> Int64 {
            let operations = try names.map { name in
                SyncOperation(
                    id: name, collection: .message, action: .insert, record: "msg-\(name)",
                    fields: ["conversation": .int(conversation), "body": .string(body ?? name)],
                    hlc: try #require(HLCTimestamp("000\(1_795_132_800_000)-00000-phone")), actor: author
                )
            }
            let results = try database.push(operations, actor: author, now: now)
            let seq = try #require(results.last?.seq, "\(results)")
            if tell { hub.committed(upTo: seq) }
            return seq
        }

        func commit(_ name: String, tell: Bool = true) throws -> Int64 {
            try commit([name], tell: tell)
        }

        /// Waits until the hub keeps `count` changes for the connection.
        func waitForPending(_ count: Int) async throws {
            let deadline = Date().addingTimeInterval(10)
            while hub.pendingChanges(of: id) != count, Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(hub.pendingChanges(of: id) == count)
        }

        /// The operation ids of the next frame written to the connection (polled with a deadline:
        /// a frame that never comes fails the test instead of hanging it).
        func written() async throws -> [String] {
            let frame = try await nextFrame()
            #expect(frame.fin && frame.opcode == .text)
            return try ids(in: Data(frame.unmaskedData.readableBytesView))
        }

        func nextFrame() async throws -> WebSocketFrame {
            var next = try await channel.readOutbound(as: WebSocketFrame.self)
            let deadline = Date().addingTimeInterval(10)
            while next == nil, Date() < deadline {
                try await Task.sleep(for: .milliseconds(5))
                next = try await channel.readOutbound(as: WebSocketFrame.self)
            }
            return try #require(next, "no frame written in 10 s")
        }

        func ids(in message: Data) throws -> [String] {
            let object = try #require(try JSONSerialization.jsonObject(with: message) as? [String: Any])
            return ((object["changes"] as? [[String: Any]]) ?? []).compactMap { ($0["operation"] as? [String: Any])?["id"] as? String }
        }

        /// The ids of the frames written until there are `count` (one frame or several, as the
        /// hub's reads fall).
        func written(count: Int) async throws -> [String] {
            var ids: [String] = []
            while ids.count < count { ids += try await written() }
            return ids
        }

        func nothingWritten() async throws -> Bool {
            try await Task.sleep(for: .milliseconds(50))
            return try await channel.readOutbound(as: WebSocketFrame.self) == nil
        }
    }

    @Test func commitsDuringTheCatchUpFollowItOnceAndInOrder() async throws {
        let setup = try Setup()
        defer { setup.hub.leave(setup.id) }
        // Two commits while the connection writes what it missed: the hub keeps them.
        let first = try setup.commit("pendant-1")
        _ = try setup.commit("pendant-2")
        try await setup.waitForPending(2)
        #expect(try await setup.nothingWritten())

        // Its catch-up reached the first: the second alone follows, then each later commit.
        setup.hub.finishCatchUp(setup.id, cursor: first)
        #expect(setup.hub.pendingChanges(of: setup.id) == nil)
        _ = try setup.commit("apres-1")
        _ = try setup.commit("apres-2")
        #expect(try await setup.written() == ["pendant-2"])
        #expect(try await setup.written(count: 2) == ["apres-1", "apres-2"])
    }

    /// A commit whose frame is larger than the largest frame goes in parts, as Hummingbird's own
    /// writer sends it: a text frame, then continuations, the last one final.
    @Test func aLargeCommitIsSplitIntoFrames() async throws {
        let setup = try Setup()
        defer { setup.hub.leave(setup.id) }
        setup.hub.finishCatchUp(setup.id, cursor: try setup.database.latestSequence())
        // Two messages of 20,000 "é" (2 bytes each): about 80 KB of JSON in one frame.
        _ = try setup.commit(["long-1", "long-2"], body: String(repeating: "é", count: 20_000))
        var parts: [WebSocketFrame] = []
        repeat { parts.append(try await setup.nextFrame()) } while !(parts.last?.fin ?? true)
        #expect(parts.count == 2)
        #expect(parts.map(\.opcode) == [.text, .continuation])
        #expect(parts.dropLast().allSatisfy { $0.unmaskedData.readableBytes == LiveController.maximumFrame })
        let message = parts.reduce(into: Data()) { $0.append(contentsOf: $1.unmaskedData.readableBytesView) }
        #expect(try setup.ids(in: message) == ["long-1", "long-2"])
    }

    /// The hub reads commits after they are made; a catch-up can get ahead of it. What the
    /// catch-up sent is not sent again when the hub's read reaches it.
    @Test func aCatchUpAheadOfTheHubIsNotSentTwice() async throws {
        let setup = try Setup()
        defer { setup.hub.leave(setup.id) }
        _ = try setup.commit("pendant")
        try await setup.waitForPending(1)
        // Committed, read by the catch-up, not yet by the hub.
        let ahead = try setup.commit("rattrape", tell: false)
        setup.hub.finishCatchUp(setup.id, cursor: ahead)
        #expect(try await setup.nothingWritten())
        _ = try setup.commit("apres")
        #expect(try await setup.written(count: 1) == ["apres"])
    }
}
