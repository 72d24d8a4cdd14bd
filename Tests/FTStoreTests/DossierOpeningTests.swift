import FTModel
@testable import FTStore
import FTSync
import Foundation
import GRDB
import Testing

/// A client opens a dossier through sync (a `dossier` insert): the server opens it with its
/// conversation, its steps from the scheme's template, the offer to the expert asked for.
@Suite struct DossierOpeningTests {
    /// A scheme the demo expert holds, and TICPE's id.
    static func schemes(_ fixture: SyncFixture) throws -> (held: Int64, ticpe: Int64) {
        let expertId = fixture.expertId
        return try fixture.database.writer.read { db in
            (try #require(try Int64.fetchOne(db, sql: "SELECT productId FROM expertSpecialty WHERE expertId = ? ORDER BY productId LIMIT 1", arguments: [expertId])),
             try #require(try Int64.fetchOne(db, sql: "SELECT id FROM eligibleProduct WHERE code = 'TICPE'")))
        }
    }

    static func answers(for product: Int64, _ fixture: SyncFixture, eligible: Bool = true) throws -> String {
        let questions = try #require(try fixture.database.workflow(productId: product)).questions
        var answers: [String: String] = [:]
        // Answer every question asked, in order, with what meets its requirement (or not, for the first).
        while let question = Eligibility.asked(questions, answers: answers).first(where: { answers[$0.key] == nil }) {
            let meets = eligible || !answers.isEmpty
            switch question.kind {
            case .yesNo: answers[question.key] = (question.requirement?.anyOf?.first ?? "oui") == "oui" ? (meets ? "oui" : "non") : (meets ? "non" : "oui")
            case .number: answers[question.key] = meets ? String(max(question.requirement?.atLeast ?? 1, 1) * 10) : "0"
            case .choice: answers[question.key] = question.choices?.first ?? ""
            }
            if !meets { break }
        }
        return DossierOpening.canonicalAnswers(answers)
    }

    func open(_ fixture: inout SyncFixture, product: Int64, expert: Int64?, answers: String, amount: Int64 = 24_000, record: String = "req-1", id: String = "op-open") throws -> PushResult {
        var fields: [String: FieldValue] = ["product": .int(product), "description": .string("Flotte de 12 camions, 3 ans à reprendre"), "amount": .int(amount), "answers": .string(answers)]
        expert.map { fields["expert"] = .int($0) }
        let operation = SyncOperation(id: id, collection: .dossier, action: .insert, record: record, fields: fields, hlc: fixture.hlc(), actor: fixture.client)
        return try fixture.database.push([operation], actor: fixture.client, now: fixture.now)[0]
    }

    @Test func aClientOpensADossierWithTheExpertItAskedFor() throws {
        var fixture = try SyncFixture()
        let (held, _) = try Self.schemes(fixture)
        let cursor = try fixture.database.latestSequence()
        let result = try open(&fixture, product: held, expert: fixture.expertId, answers: try Self.answers(for: held, fixture))
        #expect(result.status == .accepted, "\(String(describing: result.rejection))")

        let database = fixture.database
        let expertId = fixture.expertId
        let row = try #require(try database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT id, status, estimatedCents, templateVersion, requestedExpertId, description FROM dossier WHERE requestId = 'req-1'")
        })
        let dossier: Int64 = row["id"]
        #expect(row["status"] as String == "eligible")
        #expect(row["estimatedCents"] as Int64 == 2_400_000)
        #expect(row["requestedExpertId"] as Int64? == expertId)
        let template = try #require(try database.workflow(productId: held))
        #expect(row["templateVersion"] as Int64 == template.version)
        let steps = try database.writer.read { db in try Row.fetchAll(db, sql: "SELECT position, title, status, dueAt FROM dossierStep WHERE dossierId = ? ORDER BY position", arguments: [dossier]) }
        let planned = template.template.plan(answers: [:], amount: 24_000, start: fixture.now)
        #expect(steps.map { $0["title"] as String } == planned.map(\.step.title))
        #expect(steps.allSatisfy { $0["status"] as String == "pending" && $0["dueAt"] as Date? != nil })
        let offer = try database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT status FROM expertAssignment WHERE dossierId = ? AND expertId = ?", arguments: [dossier, expertId])
        }
        #expect(offer?["status"] as String? == "pending")
        let notified = try database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT n.target FROM notification n JOIN expert e ON e.userId = n.userId WHERE e.id = ? AND n.kind = 'assignment' ORDER BY n.id DESC", arguments: [expertId])
        }
        #expect(notified == "dossier:\(dossier)")
        let events = try database.writer.read { db in try String.fetchAll(db, sql: "SELECT kind FROM dossierEvent WHERE dossierId = ? ORDER BY id", arguments: [dossier]) }
        #expect(events == ["opened", "offered"])

        // The client's other devices and the expert learn of the dossier and its steps by pull.
        for actor in [fixture.client, fixture.expert] {
            let pulled = try database.pull(for: actor, after: cursor, limit: 500)
            #expect(pulled.changes.contains { $0.operation.collection == .dossier && $0.operation.record == "req-1" }, "\(actor.role)")
            #expect(pulled.changes.filter { $0.operation.collection == .step }.count == steps.count, "\(actor.role)")
        }
        // Nobody else does.
        let other = try database.pull(for: fixture.otherClient, after: cursor, limit: 500)
        #expect(!other.changes.contains { $0.operation.collection == .dossier || $0.operation.collection == .step })
        // A fresh device gets it from the log, and once the log is compacted, from the snapshot.
        let fresh = try database.pull(after: 0, for: fixture.client, limit: 5_000)
        #expect(fresh.changes.contains { $0.collection == "dossier" && $0.record == "req-1" })
        #expect(fresh.snapshot?.contains { $0.collection == .dossier } == false)
        _ = try database.compactSyncLog(changesBefore: fixture.now.addingTimeInterval(60), tombstonesBefore: fixture.now, now: fixture.now.addingTimeInterval(60))
        let request = try database.snapshot(for: fixture.client).first { $0.collection == .dossier && $0.record == "req-1" }
        #expect(request?.id == "op-open" && request?.fields["amount"] == .int(24_000))

        // A retry is answered as before and opens nothing more.
        let retry = try open(&fixture, product: held, expert: fixture.expertId, answers: try Self.answers(for: held, fixture))
        #expect(retry.status == .accepted)
        #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM dossier WHERE requestId = 'req-1'") } == 1)
        // The same request under another operation is refused.
        let again = try open(&fixture, product: held, expert: nil, answers: try Self.answers(for: held, fixture), id: "op-again")
        #expect(again.rejection?.field == "id")
    }

    @Test func ineligibleAnswersOpenAClosedDossierThatSaysWhyWithoutStepsOrOffer() throws {
        var fixture = try SyncFixture()
        let (_, ticpe) = try Self.schemes(fixture)
        let result = try open(&fixture, product: ticpe, expert: nil, answers: #"{"transport":"non"}"#)
        #expect(result.status == .accepted)
        let row = try #require(try fixture.database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT id, status, closedAt, ineligibleReasons FROM dossier WHERE requestId = 'req-1'")
        })
        #expect(row["status"] as String == "ineligible")
        #expect(row["closedAt"] as Date? != nil)
        #expect((row["ineligibleReasons"] as String).contains("transport routier"))
        let dossier: Int64 = row["id"]
        #expect(try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM dossierStep WHERE dossierId = ?", arguments: [dossier]) } == 0)
    }

    @Test func aConditionalStepFollowsTheAmount() throws {
        var fixture = try SyncFixture()
        let (_, ticpe) = try Self.schemes(fixture)
        let answers = #"{"flotte":"Camions","litres":"40000","poids":"oui","transport":"oui"}"#
        #expect(try open(&fixture, product: ticpe, expert: nil, answers: answers, amount: 20_000).status == .accepted)
        #expect(try open(&fixture, product: ticpe, expert: nil, answers: answers, amount: 90_000, record: "req-2", id: "op-2").status == .accepted)
        let titles = try fixture.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT d.requestId, count(s.id) FROM dossier d JOIN dossierStep s ON s.dossierId = d.id WHERE d.requestId IN ('req-1', 'req-2') GROUP BY d.id ORDER BY d.requestId")
        }
        #expect(titles.map { $0[1] as Int } == [6, 7])
    }

    @Test func refusalsNameTheFieldAndStoreNothing() throws {
        var fixture = try SyncFixture()
        let (held, ticpe) = try Self.schemes(fixture)
        let database = fixture.database
        let expertId = fixture.expertId
        let notHeld = try #require(try database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM eligibleProduct WHERE id NOT IN (SELECT productId FROM expertSpecialty WHERE expertId = ?) ORDER BY id LIMIT 1", arguments: [expertId])
        })
        let before = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM dossier") }
        let cases: [(Int64, Int64?, String, Int64, String)] = [
            (notHeld, expertId, try Self.answers(for: notHeld, fixture), 1_000, "expert"),
            (ticpe, nil, #"{"transport":"oui"}"#, 1_000, "answers.poids"),
            (ticpe, nil, #"{"poids":"oui","transport":"non"}"#, 1_000, "answers.poids"),
            (held, nil, try Self.answers(for: held, fixture), -5, "amount"),
            (held, nil, try Self.answers(for: held, fixture), 2_000_000_000, "amount"),
            (999_999, nil, "{}", 1_000, "product"),
        ]
        for (index, (product, expert, answers, amount, field)) in cases.enumerated() {
            let result = try open(&fixture, product: product, expert: expert, answers: answers, amount: amount, record: "bad-\(index)", id: "op-bad-\(index)")
            #expect(result.status == .rejected && result.rejection?.field == field, "\(field): \(String(describing: result.rejection))")
        }
        // An expert cannot open one.
        let operation = SyncOperation(id: "op-expert", collection: .dossier, action: .insert, record: "by-expert",
                                      fields: ["product": .int(held), "description": .string("x"), "amount": .int(1), "answers": .string(try Self.answers(for: held, fixture))],
                                      hlc: fixture.hlc(), actor: fixture.expert)
        #expect(try database.push([operation], actor: fixture.expert, now: fixture.now)[0].rejection?.code == .forbidden)
        #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM dossier") } == before)
    }
}

/// The expert answers the offer through sync (an `offer` update).
@Suite struct OfferAnswerTests {
    /// A dossier opened by the demo client asking for the demo expert; its offer's id.
    static func offered(_ fixture: inout SyncFixture) throws -> (dossier: Int64, offer: Int64) {
        let (held, _) = try DossierOpeningTests.schemes(fixture)
        let open = SyncOperation(id: "op-open", collection: .dossier, action: .insert, record: "req-offer", fields: [
            "product": .int(held), "description": .string("Pour vous"), "amount": .int(12_000),
            "answers": .string(try DossierOpeningTests.answers(for: held, fixture)), "expert": .int(fixture.expertId),
        ], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([open], actor: fixture.client, now: fixture.now)[0].status == .accepted)
        let expertId = fixture.expertId
        return try #require(try fixture.database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT d.id, a.id FROM dossier d JOIN expertAssignment a ON a.dossierId = d.id WHERE d.requestId = 'req-offer' AND a.expertId = ?", arguments: [expertId])
        }.map { ($0[0], $0[1]) })
    }

    func answer(_ fixture: inout SyncFixture, offer: Int64, _ answer: String, reason: String? = nil, by actor: SyncActor? = nil, id: String = "op-answer") throws -> PushResult {
        let actor = actor ?? fixture.expert
        var fields: [String: FieldValue] = ["answer": .string(answer)]
        reason.map { fields["reason"] = .string($0) }
        let operation = SyncOperation(id: id, collection: .offer, action: .update, record: String(offer), fields: fields, hlc: fixture.hlc(), actor: actor)
        return try fixture.database.push([operation], actor: actor, now: fixture.now)[0]
    }

    @Test func theExpertAcceptsAndTheDossierIsUnderWay() throws {
        var fixture = try SyncFixture()
        let (dossier, offer) = try Self.offered(&fixture)
        let cursor = try fixture.database.latestSequence()
        #expect(try answer(&fixture, offer: offer, "accepted").status == .accepted)
        let state = try fixture.database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT a.status, a.acceptedAt, d.status FROM expertAssignment a JOIN dossier d ON d.id = a.dossierId WHERE a.id = ?", arguments: [offer])
        }
        #expect(state?[0] as String? == "assigned" && state?[1] as Date? != nil && state?[2] as String? == "in_progress")
        let events = try fixture.database.writer.read { db in try String.fetchAll(db, sql: "SELECT kind FROM dossierEvent WHERE dossierId = ? ORDER BY id", arguments: [dossier]) }
        #expect(events == ["opened", "offered", "accepted"])
        let told = try fixture.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT title FROM notification WHERE userId = ? AND target = ? ORDER BY id DESC", arguments: [fixture.client.user, "dossier:\(dossier)"])
        }
        #expect(told?.contains("prend votre dossier") == true)
        // The client's devices learn of the answer.
        #expect(try fixture.database.pull(for: fixture.client, after: cursor).changes.contains { $0.operation.collection == .offer })
        // A second answer is refused, and changes nothing.
        let again = try answer(&fixture, offer: offer, "declined", id: "op-again")
        #expect(again.rejection?.field == "answer")
        #expect(try fixture.database.writer.read { db in try String.fetchOne(db, sql: "SELECT status FROM expertAssignment WHERE id = ?", arguments: [offer]) } == "assigned")
    }

    @Test func theExpertDeclinesWithAReasonAndNoLongerSeesTheDossier() throws {
        var fixture = try SyncFixture()
        let (dossier, offer) = try Self.offered(&fixture)
        #expect(try answer(&fixture, offer: offer, "declined", reason: "Pas disponible avant mars").status == .accepted)
        let status = try fixture.database.writer.read { db in try Row.fetchOne(db, sql: "SELECT a.status, d.status FROM expertAssignment a JOIN dossier d ON d.id = a.dossierId WHERE a.id = ?", arguments: [offer]) }
        #expect(status?[0] as String? == "cancelled" && status?[1] as String? == "eligible")
        let history = try fixture.database.writer.read { db in try String.fetchOne(db, sql: "SELECT text FROM dossierEvent WHERE dossierId = ? AND kind = 'declined'", arguments: [dossier]) }
        #expect(history?.contains("Pas disponible avant mars") == true)
        #expect(try fixture.database.dossierSummaries(for: fixture.expert, limit: 500, offset: 0).dossiers.contains { $0.id == dossier } == false)
    }

    @Test func onlyTheExpertItIsMadeToAnswers() throws {
        var fixture = try SyncFixture()
        let (_, offer) = try Self.offered(&fixture)
        #expect(try answer(&fixture, offer: offer, "accepted", by: fixture.client).rejection?.code == .forbidden)
        #expect(try answer(&fixture, offer: offer, "accepted", by: fixture.admin, id: "op-admin").rejection?.code == .forbidden)
        #expect(try fixture.database.writer.read { db in try String.fetchOne(db, sql: "SELECT status FROM expertAssignment WHERE id = ?", arguments: [offer]) } == "pending")
    }
}

/// A dossier nobody was asked for goes to the best expert by the scheme's rules; declined or
/// left unanswered, to the next. The expected order is worked out here, apart from `ExpertRouting`.
@Suite struct OfferRoutingTests {
    struct Expected {
        var id: Int64
        var spare: Int
        var rating: Double
        var lastOffer: String
    }

    /// The rules, written again: approved and active experts (and accounts) holding the scheme, in
    /// the client's region or within the scheme's distance (haversine), with spare capacity, not
    /// offered this dossier before; by spare capacity, rating (none last), oldest last offer (none
    /// first), id.
    static func expectedOrder(product: Int64, dossier: Int64?, client: Int64, db: Database) throws -> [Int64] {
        let place = try #require(try Row.fetchOne(db, sql: "SELECT region, latitude, longitude FROM client WHERE id = ?", arguments: [client]))
        let limit = try #require(try Double.fetchOne(db, sql: "SELECT routingDistanceKm FROM eligibleProduct WHERE id = ?", arguments: [product]))
        let offered = Set(try Int64.fetchAll(db, sql: "SELECT expertId FROM expertAssignment WHERE dossierId = ?", arguments: [dossier ?? -1]))
        var rows: [Expected] = []
        for e in try Row.fetchAll(db, sql: """
            SELECT e.id, e.region, e.latitude, e.longitude, e.capacity FROM expert e JOIN user u ON u.id = e.userId
            WHERE e.approval = 'approved' AND e.active = 1 AND u.active = 1 AND u.deletedAt IS NULL
              AND e.id IN (SELECT expertId FROM expertSpecialty WHERE productId = ?)
            """, arguments: [product]) {
            let id: Int64 = e["id"]
            if offered.contains(id) { continue }
            let open = try Int.fetchOne(db, sql: "SELECT count(*) FROM expertAssignment WHERE expertId = ? AND status IN ('pending','assigned','in_progress')", arguments: [id]) ?? 0
            let spare = (e["capacity"] as Int) - open
            if spare <= 0 { continue }
            let radians = Double.pi / 180
            let (lat1, lon1, lat2, lon2) = ((place["latitude"] as Double) * radians, (place["longitude"] as Double) * radians, (e["latitude"] as Double) * radians, (e["longitude"] as Double) * radians)
            let h = pow(sin((lat2 - lat1) / 2), 2) + cos(lat1) * cos(lat2) * pow(sin((lon2 - lon1) / 2), 2)
            let km = 2 * 6_371 * asin(min(1, h.squareRoot()))
            if (e["region"] as String) != (place["region"] as String) && km > limit { continue }
            let rating = try Double.fetchOne(db, sql: "SELECT avg(score) FROM rating WHERE expertId = ?", arguments: [id]) ?? -1
            let last = try String.fetchOne(db, sql: "SELECT max(requestedAt) FROM expertAssignment WHERE expertId = ?", arguments: [id]) ?? ""
            rows.append(Expected(id: id, spare: spare, rating: rating, lastOffer: last))
        }
        return rows.sorted { a, b in
            (a.spare, a.rating, b.lastOffer, b.id) > (b.spare, b.rating, a.lastOffer, a.id)
        }.map(\.id)
    }

    /// The scheme with the most experts, and a fresh answer set for it.
    static func busiestScheme(_ fixture: SyncFixture) throws -> Int64 {
        try #require(try fixture.database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT productId FROM expertSpecialty GROUP BY productId ORDER BY count(*) DESC, productId LIMIT 1")
        })
    }

    /// The demo has few experts per scheme: room for all of them, across France, so that the
    /// ranking (spare capacity, rating, last offer) decides. The distance filter: ExpertRoutingTests.
    static func makeRoom(_ fixture: SyncFixture, product: Int64) throws {
        try fixture.database.writer.write { db in
            try db.execute(sql: "UPDATE expert SET capacity = 50")
            try db.execute(sql: "UPDATE eligibleProduct SET routingDistanceKm = 1500 WHERE id = ?", arguments: [product])
        }
    }

    func open(_ fixture: inout SyncFixture, product: Int64) throws -> Int64 {
        let operation = SyncOperation(id: "op-route", collection: .dossier, action: .insert, record: "req-route", fields: [
            "product": .int(product), "description": .string("Qui voudra"), "amount": .int(8_000),
            "answers": .string(try DossierOpeningTests.answers(for: product, fixture)),
        ], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try fixture.database.push([operation], actor: fixture.client, now: fixture.now)[0].status == .accepted)
        return try #require(try fixture.database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM dossier WHERE requestId = 'req-route'") })
    }

    static func pendingOffer(_ database: AppDatabase, dossier: Int64) throws -> (offer: Int64, expert: Int64, user: Int64)? {
        try database.writer.read { db in
            try Row.fetchOne(db, sql: """
                SELECT a.id, a.expertId, e.userId FROM expertAssignment a JOIN expert e ON e.id = a.expertId WHERE a.dossierId = ? AND a.status = 'pending'
                """, arguments: [dossier]).map { ($0[0], $0[1], $0[2]) }
        }
    }

    @Test func offeredByTheRulesDeclinedThenOfferedToTheNextThenLapsed() throws {
        var fixture = try SyncFixture()
        let product = try Self.busiestScheme(fixture)
        let clientId = fixture.clientId
        try Self.makeRoom(fixture, product: product)
        let expected = try fixture.database.writer.read { db in try Self.expectedOrder(product: product, dossier: nil, client: clientId, db: db) }
        #expect(expected.count >= 2, "the fixture needs two eligible experts for this scheme")
        let dossier = try open(&fixture, product: product)
        let first = try #require(try Self.pendingOffer(fixture.database, dossier: dossier))
        #expect(first.expert == expected.first, "the first offer goes to the best expert by the rules")
        let reason = try fixture.database.writer.read { db in try String.fetchOne(db, sql: "SELECT text FROM dossierEvent WHERE dossierId = ? AND kind = 'offered'", arguments: [dossier]) }
        #expect(reason?.contains("dossier") == true && reason?.contains("sur ") == true, "the history gives the reason: \(reason ?? "")")

        // Declined: offered to the next by the same rules (the one who declined left out).
        let next = try fixture.database.writer.read { db in try Self.expectedOrder(product: product, dossier: dossier, client: clientId, db: db) }
        let decline = SyncOperation(id: "op-decline", collection: .offer, action: .update, record: String(first.offer), fields: ["answer": .string("declined")],
                                    hlc: fixture.hlc(), actor: SyncActor(user: first.user, role: .expert))
        #expect(try fixture.database.push([decline], actor: decline.actor, now: fixture.now)[0].status == .accepted)
        let second = try #require(try Self.pendingOffer(fixture.database, dossier: dossier))
        #expect(second.expert == next.first && second.expert != first.expert)

        // Unanswered past the scheme's delay: withdrawn and offered to the next (an injected clock).
        let hours = try #require(try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT offerHours FROM eligibleProduct WHERE id = ?", arguments: [product]) })
        #expect(try fixture.database.expireOffers(now: fixture.now.addingTimeInterval(Double(hours) * 3_600 - 60)) == 0, "not before the delay")
        let third = try fixture.database.writer.read { db in try Self.expectedOrder(product: product, dossier: dossier, client: clientId, db: db) }
        #expect(try fixture.database.expireOffers(now: fixture.now.addingTimeInterval(Double(hours) * 3_600 + 60)) == 1)
        let lapsed = try fixture.database.writer.read { db in try String.fetchOne(db, sql: "SELECT status FROM expertAssignment WHERE id = ?", arguments: [second.offer]) }
        #expect(lapsed == "cancelled")
        let after = try Self.pendingOffer(fixture.database, dossier: dossier)
        #expect(after?.expert == third.filter { $0 != second.expert }.first)
        let kinds = try fixture.database.writer.read { db in try String.fetchAll(db, sql: "SELECT kind FROM dossierEvent WHERE dossierId = ? ORDER BY id", arguments: [dossier]) }
        #expect(Array(kinds.prefix(5)) == ["opened", "offered", "declined", "offered", "expired"])
    }

    @Test func aDeactivatedExpertsDossiersMoveOn() throws {
        var fixture = try SyncFixture()
        let product = try Self.busiestScheme(fixture)
        try Self.makeRoom(fixture, product: product)
        let dossier = try open(&fixture, product: product)
        let first = try #require(try Self.pendingOffer(fixture.database, dossier: dossier))
        let clientId = fixture.clientId
        // Only this dossier moves (the seed's other missions of the expert would change the others' loads).
        let now = fixture.now
        try fixture.database.writer.write { db in
            try db.execute(sql: "UPDATE expertAssignment SET status = 'cancelled', cancelledAt = ? WHERE expertId = ? AND dossierId <> ? AND status IN ('pending', 'assigned', 'in_progress')",
                           arguments: [now, first.expert, dossier])
        }
        let next = try fixture.database.writer.read { db in try Self.expectedOrder(product: product, dossier: dossier, client: clientId, db: db) }
        #expect(try fixture.database.setUserActive(first.user, active: false, by: fixture.admin.user, now: fixture.now))
        let open = try fixture.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM expertAssignment WHERE expertId = ? AND status IN ('pending', 'assigned', 'in_progress')", arguments: [first.expert])
        }
        #expect(open == 0, "none of the deactivated expert's offers or missions stays open")
        #expect(try Self.pendingOffer(fixture.database, dossier: dossier)?.expert == next.first)
        let kinds = try fixture.database.writer.read { db in try String.fetchAll(db, sql: "SELECT kind FROM dossierEvent WHERE dossierId = ? ORDER BY id", arguments: [dossier]) }
        #expect(kinds == ["opened", "offered", "reassigned", "offered"])
    }
}

/// An admin reassigns a dossier by hand: the overview ranks as the rules do; a chosen expert or
/// the next by the rules gets the offer; refusals change nothing.
@Suite struct ReassignmentTests {
    @Test func anAdminGivesADossierToAnotherExpertOrToTheRules() throws {
        var fixture = try SyncFixture()
        let product = try OfferRoutingTests.busiestScheme(fixture)
        try OfferRoutingTests.makeRoom(fixture, product: product)
        let dossier = try OfferRoutingTests().open(&fixture, product: product)
        let first = try #require(try OfferRoutingTests.pendingOffer(fixture.database, dossier: dossier))
        let clientId = fixture.clientId
        let overview = try #require(try fixture.database.dossierOverview(dossier, candidateLimit: 100))
        #expect(overview.current?.expertId == first.expert && overview.current?.status == "pending")
        // The page's candidates: the rules' order, without the expert who has it (the independent ranking
        // leaves out everyone ever offered the dossier: that is the same set here).
        let expected = try fixture.database.writer.read { db in try OfferRoutingTests.expectedOrder(product: product, dossier: dossier, client: clientId, db: db) }
        #expect(overview.candidates.map(\.candidate.expertId) == expected)
        let admin = fixture.admin.user
        let chosen = try #require(expected.dropFirst().first, "two candidates")

        func refused(_ expert: Int64?, reason: String = "Essai", _ expected: String) {
            do {
                try fixture.database.reassignDossier(dossier, to: expert, reason: reason, by: admin, now: fixture.now)
                Issue.record("accepted: \(expected)")
            } catch let refusal as ReassignmentRefused {
                #expect(refusal.problem.contains(expected), "\(refusal.problem)")
            } catch {
                Issue.record("\(error)")
            }
        }
        refused(chosen, reason: " \n ", "Motif manquant")
        refused(first.expert, "a déjà ce dossier")
        refused(987_654, "Aucun expert n° 987654")
        let outsider = try #require(try fixture.database.writer.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT e.id FROM expert e JOIN user u ON u.id = e.userId WHERE e.approval = 'approved' AND e.active = 1 AND u.active = 1
                AND e.id NOT IN (SELECT expertId FROM expertSpecialty WHERE productId = ?) LIMIT 1
                """, arguments: [product])
        })
        refused(outsider, "ne traite pas")
        let inactive = try #require(try fixture.database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT e.id FROM expert e WHERE e.active = 0 OR e.approval <> 'approved' LIMIT 1")
        })
        refused(inactive, "n’est pas un expert approuvé et actif")
        #expect(try OfferRoutingTests.pendingOffer(fixture.database, dossier: dossier)?.expert == first.expert, "refusals change nothing")

        #expect(try fixture.database.reassignDossier(dossier, to: chosen, reason: "Demande du client", by: admin, now: fixture.now) == chosen)
        #expect(try OfferRoutingTests.pendingOffer(fixture.database, dossier: dossier)?.expert == chosen)
        // By the rules: the best of those never offered it.
        let next = try fixture.database.writer.read { db in try OfferRoutingTests.expectedOrder(product: product, dossier: dossier, client: clientId, db: db) }
        #expect(try fixture.database.reassignDossier(dossier, to: nil, reason: "En congé", by: admin, now: fixture.now) == next.first)
        let kinds = try fixture.database.writer.read { db in try String.fetchAll(db, sql: "SELECT kind FROM dossierEvent WHERE dossierId = ? ORDER BY id", arguments: [dossier]) }
        #expect(kinds == ["opened", "offered", "reassigned", "offered", "reassigned", "offered"])

        // The expert now offered it, at capacity, is listed for the app's recommendations; with room, not.
        let offered = try #require(try OfferRoutingTests.pendingOffer(fixture.database, dossier: dossier)?.expert)
        let (slug, open) = try fixture.database.writer.read { db in
            (try String.fetchOne(db, sql: "SELECT slug FROM expert WHERE id = ?", arguments: [offered]) ?? "",
             try Int.fetchOne(db, sql: "SELECT count(*) FROM expertAssignment WHERE expertId = ? AND status IN ('pending', 'assigned', 'in_progress')", arguments: [offered]) ?? 0)
        }
        try fixture.database.writer.write { db in try db.execute(sql: "UPDATE expert SET capacity = ? WHERE id = ?", arguments: [open, offered]) }
        #expect(try fixture.database.expertsAtCapacity().contains(slug))
        try fixture.database.writer.write { db in try db.execute(sql: "UPDATE expert SET capacity = ? WHERE id = ?", arguments: [open + 1, offered]) }
        #expect(try !fixture.database.expertsAtCapacity().contains(slug))

        // A closed dossier keeps its expert.
        try fixture.database.writer.write { db in try db.execute(sql: "UPDATE dossier SET status = 'cancelled', closedAt = updatedAt WHERE id = ?", arguments: [dossier]) }
        refused(chosen, "est clos")
    }
}

/// The steps of a dossier opened from a template complete in the order their dependencies say.
@Suite struct StepDependencyTests {
    @Test func aStepCompletesOnlyAfterThoseItWaitsFor() throws {
        var fixture = try SyncFixture()
        let (dossier, offer) = try OfferAnswerTests.offered(&fixture)
        let accept = SyncOperation(id: "op-accept", collection: .offer, action: .update, record: String(offer), fields: ["answer": .string("accepted")], hlc: fixture.hlc(), actor: fixture.expert)
        #expect(try fixture.database.push([accept], actor: fixture.expert, now: fixture.now)[0].status == .accepted)
        let steps = try fixture.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, position, dependsOn FROM dossierStep WHERE dossierId = ? ORDER BY position", arguments: [dossier]).map { ($0[0] as Int64, $0[1] as Int, $0[2] as String) }
        }
        let second = try #require(steps.first { $0.2 != "[]" })
        let complete = { (step: Int64, id: String, fixture: inout SyncFixture) throws -> PushResult in
            let operation = SyncOperation(id: id, collection: .step, action: .update, record: String(step), fields: ["status": .string("completed"), "progress": .int(100)], hlc: fixture.hlc(), actor: fixture.admin)
            return try fixture.database.push([operation], actor: fixture.admin, now: fixture.now)[0]
        }
        let early = try complete(second.0, "op-early", &fixture)
        #expect(early.rejection?.field == "status" && early.rejection?.message.contains("waits for step 1") == true, "\(String(describing: early.rejection))")
        // The first, then the second: in one batch, in timestamp order, both are accepted.
        let first = try #require(steps.first)
        let batch = [
            SyncOperation(id: "op-first", collection: .step, action: .update, record: String(first.0), fields: ["status": .string("completed"), "progress": .int(100)], hlc: fixture.hlc(), actor: fixture.admin),
            SyncOperation(id: "op-then", collection: .step, action: .update, record: String(second.0), fields: ["status": .string("completed"), "progress": .int(100)], hlc: fixture.hlc(), actor: fixture.admin),
        ]
        #expect(try fixture.database.push(batch, actor: fixture.admin, now: fixture.now).map(\.status) == [.accepted, .accepted])
    }
}

/// A scheme's template edited while a dossier is in progress: new dossiers take the new version,
/// the dossier in progress keeps its steps.
@Suite struct WorkflowVersionTests {
    @Test func anEditChangesNewDossiersOnly() throws {
        var fixture = try SyncFixture()
        let (held, _) = try DossierOpeningTests.schemes(fixture)
        let database = fixture.database
        let answers = try DossierOpeningTests.answers(for: held, fixture)
        func open(_ record: String, _ fixture: inout SyncFixture) throws -> Int64 {
            let operation = SyncOperation(id: "op-\(record)", collection: .dossier, action: .insert, record: record, fields: [
                "product": .int(held), "description": .string("Versions"), "amount": .int(3_000), "answers": .string(answers),
            ], hlc: fixture.hlc(), actor: fixture.client)
            #expect(try database.push([operation], actor: fixture.client, now: fixture.now)[0].status == .accepted)
            return try #require(try database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM dossier WHERE requestId = ?", arguments: [record]) })
        }
        func titles(_ dossier: Int64) throws -> [String] {
            try database.writer.read { db in try String.fetchAll(db, sql: "SELECT title FROM dossierStep WHERE dossierId = ? ORDER BY position", arguments: [dossier]) }
        }
        let before = try open("req-v1", &fixture)
        let old = try #require(try database.workflow(productId: held))
        let kept = try titles(before)
        var edited = old.template
        edited.steps.insert(.init(key: "appel", type: .validation, title: "Appel de découverte", assignee: .expert, slaDays: 2), at: 0)
        let version = try database.saveWorkflow(productId: held, questions: old.questions, template: edited, by: fixture.admin.user, now: fixture.now)
        #expect(version == old.version + 1)
        let after = try open("req-v2", &fixture)
        #expect(try titles(after).first == "Appel de découverte")
        #expect(try titles(before) == kept, "the dossier in progress keeps its steps")
        let versions = try database.writer.read { db in try Int64.fetchAll(db, sql: "SELECT templateVersion FROM dossier WHERE id IN (?, ?) ORDER BY id", arguments: [before, after]) }
        #expect(versions == [old.version, version])
        // A template whose dependencies form a cycle, or point to a removed step, is refused whole.
        var cyclic = edited
        cyclic.steps[0].dependsOn = [cyclic.steps[1].key]
        #expect(throws: WorkflowProblems.self) { try database.saveWorkflow(productId: held, questions: old.questions, template: cyclic, by: nil, now: fixture.now) }
        var dangling = edited
        dangling.steps[1].dependsOn = ["supprimee"]
        #expect(throws: WorkflowProblems.self) { try database.saveWorkflow(productId: held, questions: old.questions, template: dangling, by: nil, now: fixture.now) }
        #expect(try database.workflow(productId: held)?.version == version, "a refused template saves nothing")
    }
}

/// The last step completed closes the dossier and opens the client's rating of the expert.
@Suite struct DossierCompletionTests {
    @Test func theLastStepClosesTheDossierAndTheClientMayRate() throws {
        var fixture = try SyncFixture()
        let (dossier, offer) = try OfferAnswerTests.offered(&fixture)
        let database = fixture.database
        let accept = SyncOperation(id: "op-accept", collection: .offer, action: .update, record: String(offer), fields: ["answer": .string("accepted")], hlc: fixture.hlc(), actor: fixture.expert)
        #expect(try database.push([accept], actor: fixture.expert, now: fixture.now)[0].status == .accepted)
        let record = "\(fixture.clientId):\(fixture.expertId)"
        // The demo client may already rate this expert from the seeded dossier: start without that.
        try database.writer.write { db in
            try db.execute(sql: "UPDATE expertAssignment SET status = 'cancelled', cancelledAt = ? WHERE expertId = ? AND dossierId <> ? AND status = 'completed'",
                           arguments: [fixture.now, fixture.expertId, dossier])
        }
        let early = SyncOperation(id: "op-rate-early", collection: .rating, action: .update, record: record, fields: ["score": .int(5), "comment": .string("Parfait")], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try database.push([early], actor: fixture.client, now: fixture.now)[0].rejection?.code == .forbidden, "no rating before the mission is done")
        let steps = try database.writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM dossierStep WHERE dossierId = ? ORDER BY position", arguments: [dossier]) }
        for (index, step) in steps.enumerated() {
            let done = SyncOperation(id: "op-done-\(index)", collection: .step, action: .update, record: String(step), fields: ["status": .string("completed"), "progress": .int(100)], hlc: fixture.hlc(), actor: fixture.admin)
            #expect(try database.push([done], actor: fixture.admin, now: fixture.now)[0].status == .accepted)
            let status = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT status FROM dossier WHERE id = ?", arguments: [dossier]) }
            #expect(status == (index == steps.count - 1 ? "done" : "in_progress"), "after step \(index + 1)")
        }
        let assignment = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT status FROM expertAssignment WHERE id = ?", arguments: [offer]) }
        #expect(assignment == "completed")
        let rate = SyncOperation(id: "op-rate", collection: .rating, action: .update, record: record, fields: ["score": .int(5), "comment": .string("Parfait")], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try database.push([rate], actor: fixture.client, now: fixture.now)[0].status == .accepted, "the client rates the expert once the dossier is done")
        let told = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT title FROM notification WHERE userId = ? AND target = ? ORDER BY id DESC", arguments: [fixture.client.user, "dossier:\(dossier)"]) }
        #expect(told == "Dossier n° \(dossier) terminé")
    }
}

/// A step a person moves is told to the dossier's other participants; the server's own findings are not.
@Suite struct StepNoticeTests {
    @Test func theOthersAreToldWhoMovedWhichStep() throws {
        var fixture = try SyncFixture()
        let database = fixture.database
        let step = fixture.clientStep
        let before = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM notification WHERE kind = 'step_changed'") ?? 0 }
        let current = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT status FROM dossierStep WHERE id = ?", arguments: [step]) }
        let next = current == "in_progress" ? "completed" : "in_progress"
        let move = SyncOperation(id: "op-move", collection: .step, action: .update, record: String(step), fields: ["status": .string(next)], hlc: fixture.hlc(), actor: fixture.client)
        #expect(try database.push([move], actor: fixture.client, now: fixture.now)[0].status == .accepted)
        let told = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT userId, title, body, target FROM notification WHERE kind = 'step_changed' ORDER BY id DESC LIMIT 5")
        }
        #expect(told.count >= 1 && told.allSatisfy { ($0["userId"] as Int64) != fixture.client.user }, "the mover is not told")
        #expect(told.contains { ($0["userId"] as Int64) == fixture.expert.user && ($0["target"] as String) == "dossier:\(fixture.dossier)" }, "the expert is told")
        // Progress alone, or the server's overdue finding, tells nobody.
        let progress = SyncOperation(id: "op-progress", collection: .step, action: .update, record: String(step), fields: ["progress": .int(40)], hlc: fixture.hlc(), actor: fixture.client)
        _ = try database.push([progress], actor: fixture.client, now: fixture.now)
        #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM notification WHERE kind = 'step_changed'") } == before + told.count)
        #expect(NotificationPolicy.defaultEnabled(.stepChanged, on: .push, for: .client) && !NotificationPolicy.defaultEnabled(.stepChanged, on: .email, for: .client))
    }
}
