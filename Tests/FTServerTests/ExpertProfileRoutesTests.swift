import FTModel
import FTSeed
import FTServer
@testable import FTStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Synchronization
import Testing

/// Who may read and change an expert profile through `/api/v1/me/expert-profile`: each role
/// signed in or not × read and write; an expert only ever reaches their own; a published profile
/// asks for the prompt rebuild, a pending one does not.
@Suite(.timeLimit(.minutes(2))) struct ExpertProfileRoutesTests {
    static let places = FrenchPostcodes(tsv: "Bordeaux\t33000\t33\t44.84\t-0.58\t1\tP\n")

    @Test func eachRoleReadsAndWritesOnlyWhatItMay() async throws {
        let fixture = try ServerFixture()
        var configuration = ServerConfiguration(publicDirectory: fixture.publicDirectory)
        configuration.accounts = AccountSettings(postcodes: Self.places)
        let published = Atomic<Int>(0)
        let committed = Atomic<Int>(0)
        let app = Application(router: buildRouter(
            database: fixture.database, configuration: configuration, blobs: fixture.blobs,
            onCommit: { committed.add(1, ordering: .relaxed) }, onPublish: { published.add(1, ordering: .relaxed) },
            now: { ServerFixture.today.addingTimeInterval(3_600) }
        ))
        // An expert waiting for review signs in with the demo password, as an applicant would.
        let pending = try await fixture.database.writer.write { db -> String in
            let hash = try String.fetchOne(db, sql: "SELECT passwordHash FROM user WHERE email = ?", arguments: [DemoAccounts.expert])
            let email = try #require(try String.fetchOne(db, sql: "SELECT u.email FROM expert e JOIN user u ON u.id = e.userId WHERE u.email <> ? AND u.active = 1 ORDER BY e.id LIMIT 1", arguments: [DemoAccounts.expert]))
            try db.execute(sql: "UPDATE user SET passwordHash = ? WHERE email = ?", arguments: [hash, email])
            try db.execute(sql: "UPDATE expert SET approval = 'pending', approvedAt = NULL, approvedBy = NULL WHERE userId = (SELECT id FROM user WHERE email = ?)", arguments: [email])
            return email
        }
        let others = try await fixture.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT bioMarkdown FROM expert e JOIN user u ON u.id = e.userId WHERE u.email NOT IN (?, ?) ORDER BY e.id", arguments: [DemoAccounts.expert, pending])
        }
        try await app.test(.router) { client in
            func call(_ method: HTTPRequest.Method, _ token: String?, _ body: [String: Any]? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let token { headers[.authorization] = "Bearer \(token)" }
                let response = try await client.executeRequest(uri: "/api/v1/me/expert-profile", method: method, headers: headers, body: try body.map(ServerFixture.json))
                let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]) ?? [:]
                return (response.status, object)
            }
            let expert = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let (status, mine) = try await call(.get, expert)
            #expect(status == .ok && mine["published"] as? Bool == true && mine["approval"] as? String == "approved")
            var profile = try #require(mine["profile"] as? [String: Any])
            profile["bio"] = "Une présentation nouvelle."
            profile["postcode"] = "33000"

            for (who, token) in [("visitor", nil), ("client", try await ServerFixture.signIn(client, DemoAccounts.client)), ("admin", try await ServerFixture.signIn(client, DemoAccounts.admin))] {
                let expected: HTTPResponse.Status = token == nil ? .unauthorized : .forbidden
                #expect(try await call(.get, token).0 == expected, "\(who) reads")
                #expect(try await call(.put, token, profile).0 == expected, "\(who) writes")
            }
            #expect(published.load(ordering: .relaxed) == 0 && committed.load(ordering: .relaxed) == 0, "a refused write asks for no rebuild")

            let (saved, answer) = try await call(.put, expert, profile)
            #expect(saved == .ok && (answer["profile"] as? [String: Any])?["bio"] as? String == "Une présentation nouvelle." && answer["city"] as? String == "Bordeaux")
            #expect(published.load(ordering: .relaxed) == 1, "a published profile's page is rebuilt at once")

            let waiting = try await ServerFixture.signIn(client, pending)
            var theirs = try #require(try await call(.get, waiting).1["profile"] as? [String: Any])
            theirs["headline"] = "Une accroche nouvelle"
            theirs["postcode"] = "33000"
            theirs["siret"] = "73282932000074"
            let (pendingSaved, pendingAnswer) = try await call(.put, waiting, theirs)
            #expect(pendingSaved == .ok && (pendingAnswer["message"] as? String)?.contains("une fois votre candidature validée") == true)
            #expect(published.load(ordering: .relaxed) == 1 && committed.load(ordering: .relaxed) == 1, "a pending profile waits for the usual rebuild")

            let after = try await fixture.database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT bioMarkdown FROM expert e JOIN user u ON u.id = e.userId WHERE u.email NOT IN (?, ?) ORDER BY e.id", arguments: [DemoAccounts.expert, pending])
            }
            #expect(after == others, "no other expert's profile changed")
        }
    }
}
