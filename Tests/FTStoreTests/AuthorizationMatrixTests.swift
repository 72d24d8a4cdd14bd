import FTModel
import FTSeed
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// Every role × collection × write, on the demo dossier, and every read through pull: each
/// forbidden write is refused and stores nothing, each change reaches exactly those who may see it.
@Suite struct AuthorizationMatrixTests {
    enum Who: String, CaseIterable, Sendable {
        case client, otherClient, expert, otherExpert, admin
    }

    struct World {
        var fixture: SyncFixture
        var actors: [Who: SyncActor]
        var document: String
        var version: String
        /// A scheme the demo expert takes, and answers that make a dossier for it eligible.
        var scheme: Int64
        var answers: String
        /// A dossier the demo client opened asking for the demo expert: its offer, pending.
        var offer: Int64

        init() throws {
            var fixture = try SyncFixture()
            let otherExpertUser = try #require(try fixture.database.writer.read { db in
                try Int64.fetchOne(db, sql: """
                    SELECT e.userId FROM expert e WHERE e.id NOT IN (SELECT expertId FROM expertAssignment WHERE dossierId = ?) ORDER BY e.id LIMIT 1
                    """, arguments: [fixture.dossier])
            })
            actors = [
                .client: fixture.client, .otherClient: fixture.otherClient, .expert: fixture.expert,
                .otherExpert: SyncActor(user: otherExpertUser, role: .expert), .admin: fixture.admin,
            ]
            // A document and a version in the dossier, made by the client.
            document = "matrix-doc"
            version = "matrix-version"
            let setup = [
                SyncOperation(id: "setup-doc", collection: .document, action: .insert, record: document, fields: ["dossier": .int(fixture.dossier), "title": .string("Factures"), "category": .string("invoice")], hlc: fixture.hlc(), actor: fixture.client),
                SyncOperation(id: "setup-version", collection: .documentVersion, action: .insert, record: version, fields: ["document": .string(document), "fileName": .string("f.pdf"), "mediaType": .string("application/pdf"), "byteCount": .int(3), "sha256": .string(String(repeating: "c", count: 64))], hlc: fixture.hlc(), actor: fixture.client),
            ]
            let answers = try fixture.database.push(setup, actor: fixture.client, now: fixture.now)
            #expect(answers.allSatisfy { $0.status == .accepted })
            (scheme, _) = try DossierOpeningTests.schemes(fixture)
            self.answers = try DossierOpeningTests.answers(for: scheme, fixture)
            offer = try OfferAnswerTests.offered(&fixture).offer
            self.fixture = fixture
        }
    }

    /// (what, may write) for each operation, per actor.
    static let cases: [(String, Set<Who>)] = [
        ("message", [.client, .expert, .admin]),
        ("readReceipt", [.client, .expert, .admin]),
        ("rating", [.client]),
        ("document", [.client, .expert, .admin]),
        ("documentVersion", [.client, .expert, .admin]),
        ("validation", [.expert, .admin]),
        ("step", [.client, .expert, .admin]),
        // Each user's own notification preference; the client's, written by each.
        ("preference", Set(Who.allCases)),
        ("clientPreference", [.client]),
        // A new dossier asking for the demo expert: any client opens its own.
        ("dossier", [.client, .otherClient]),
        // The answer to an offer: the expert it is made to, alone.
        ("offer", [.expert]),
    ]

    static func operation(_ what: String, by who: Who, in world: inout World) -> SyncOperation {
        let actor = world.actors[who] ?? world.fixture.client
        let id = "\(what)-\(who.rawValue)"
        let fixture = world.fixture
        let hlc = world.fixture.hlc()
        switch what {
        case "message":
            return SyncOperation(id: id, collection: .message, action: .insert, record: "msg-\(id)", fields: ["conversation": .int(fixture.conversation), "body": .string("Bonjour")], hlc: hlc, actor: actor)
        case "readReceipt":
            return SyncOperation(id: id, collection: .readReceipt, action: .update, record: "\(fixture.conversation):\(actor.user)", fields: ["readUpTo": .int(hlc.milliseconds)], hlc: hlc, actor: actor)
        case "rating":
            return SyncOperation(id: id, collection: .rating, action: .update, record: "\(fixture.clientId):\(fixture.expertId)", fields: ["score": .int(4)], hlc: hlc, actor: actor)
        case "document":
            return SyncOperation(id: id, collection: .document, action: .insert, record: "doc-\(id)", fields: ["dossier": .int(fixture.dossier), "title": .string("Rapport"), "category": .string("report")], hlc: hlc, actor: actor)
        case "documentVersion":
            return SyncOperation(id: id, collection: .documentVersion, action: .insert, record: "ver-\(id)", fields: ["document": .string(world.document), "fileName": .string("v.pdf"), "mediaType": .string("application/pdf"), "byteCount": .int(9), "sha256": .string(String(repeating: "d", count: 64))], hlc: hlc, actor: actor)
        case "preference":
            return SyncOperation(id: id, collection: .preference, action: .update, record: "\(actor.user):message:email", fields: ["enabled": .bool(false)], hlc: hlc, actor: actor)
        case "clientPreference":
            return SyncOperation(id: id, collection: .preference, action: .update, record: "\(fixture.client.user):document:push", fields: ["enabled": .bool(false)], hlc: hlc, actor: actor)
        case "dossier":
            return SyncOperation(id: id, collection: .dossier, action: .insert, record: "req-\(id)", fields: [
                "product": .int(world.scheme), "description": .string("Nouveau"), "amount": .int(1_000), "answers": .string(world.answers), "expert": .int(fixture.expertId),
            ], hlc: hlc, actor: actor)
        case "offer":
            return SyncOperation(id: id, collection: .offer, action: .update, record: String(world.offer), fields: ["answer": .string("accepted")], hlc: hlc, actor: actor)
        case "validation":
            return SyncOperation(id: id, collection: .documentVersion, action: .update, record: world.version, fields: ["validation": .string("validated")], hlc: hlc, actor: actor)
        default:
            return SyncOperation(id: id, collection: .step, action: .update, record: String(fixture.clientStep), fields: ["progress": .int(55)], hlc: hlc, actor: actor)
        }
    }

    @Test(arguments: cases)
    func writesAndReads(what: String, writers: Set<Who>) throws {
        for who in Who.allCases {
            var world = try World()
            let database = world.fixture.database
            // A review follows the expert's completed mission.
            if what == "rating" { try world.fixture.completeAssignment() }
            let before = try database.tableCounts().filter { $0.table != "syncRejection" }
            let cursor = try database.latestSequence()
            let operation = Self.operation(what, by: who, in: &world)
            let actor = world.actors[who] ?? world.fixture.client
            let answer = try #require(try database.push([operation], actor: actor, now: world.fixture.now).first)
            if writers.contains(who) {
                #expect(answer.status == .accepted, "\(who.rawValue) may write \(what): \(String(describing: answer.rejection))")
                // Read: exactly the client, the assigned expert and the admins see the change.
                for reader in Who.allCases {
                    let readerActor = world.actors[reader] ?? world.fixture.client
                    let sees = try database.pull(for: readerActor, after: cursor).changes.contains { $0.operation.id == operation.id }
                    let mayRead: Bool
                    if what == "rating" {
                        // A rating is about the expert: its client, that expert and admins.
                        mayRead = [.client, .expert, .admin].contains(reader)
                    } else if what == "dossier" {
                        // Its client, the expert it is offered to, admins.
                        mayRead = [who, .expert, .admin].contains(reader)
                    } else if what.hasSuffix("reference") {
                        // A preference is its user's alone: not even admins read it.
                        mayRead = reader == who
                    } else {
                        mayRead = [.client, .expert, .admin].contains(reader)
                    }
                    #expect(sees == mayRead, "\(reader.rawValue) reading \(what) written by \(who.rawValue)")
                    // The live channel's rule (the log read once, filtered by visible dossiers)
                    // gives each reader exactly what its pull gives.
                    let visible = try database.visibleDossiers(for: readerActor)
                    let live = try database.changes(after: cursor, limit: 1_000).changes.filter { $0.isVisible(to: readerActor.user, dossiers: visible) }.map(\.change.seq)
                    #expect(live == (try database.pull(for: readerActor, after: cursor).changes.map(\.seq)), "live ≠ pull for \(reader.rawValue)")
                }
            } else {
                #expect(answer.status == .rejected, "\(who.rawValue) may not write \(what)")
                #expect(answer.rejection?.code == .forbidden, "\(who.rawValue) writing \(what): \(String(describing: answer.rejection))")
                #expect(try database.tableCounts().filter { $0.table != "syncRejection" } == before, "a refused \(what) by \(who.rawValue) stored something")
                for reader in Who.allCases {
                    let readerActor = world.actors[reader] ?? world.fixture.client
                    #expect(!(try database.pull(for: readerActor, after: cursor).changes.contains { $0.operation.id == operation.id }))
                    #expect(try database.changes(after: cursor, limit: 1_000).changes.isEmpty, "a refused \(what) reached the log")
                }
            }
        }
    }
}
