internal import Foundation
internal import FTModel
internal import FTStore

extension SeedContext {
    /// One client: its user, its company, its dossiers and all that hangs off them.
    mutating func insertClient(index: Int, into batch: inout StoreBatch) throws {
        var rng = random("client", index)
        let firstName = rng.pick(FrenchNames.firstNames)
        let lastName = rng.pick(FrenchNames.lastNames)
        let city = rng.pick(FrenchCities.all)
        let company = "\(rng.pick(FrenchNames.companyPrefixes)) \(rng.chance(0.5) ? lastName : city.name) \(rng.pick(FrenchNames.companySuffixes))"
        let email: String
        switch index {
        case 0: email = DemoAccounts.client
        case 1: email = DemoAccounts.otherClient
        default: email = "\(DemoText.slug(firstName)).\(DemoText.slug(lastName)).\(index + 1)@clients.financialtracker.example"
        }
        let joined = daysAgo(rng.double(20...1_000))
        let user = try batch.insert(User(
            email: email,
            passwordHash: index < 2 ? try demoPasswordHash(for: email) : nil,
            role: .client,
            displayName: "\(firstName) \(lastName)",
            phone: rng.chance(0.6) ? "+33 \(rng.int(1...5)) \(rng.int(10...99)) \(rng.int(10...99)) \(rng.int(10...99)) \(rng.int(10...99))" : nil,
            active: index < 2 || rng.chance(0.97),
            createdAt: joined,
            lastSeenAt: joined
        ))
        let client = try batch.insert(Client(
            userId: user.id ?? 0,
            companyName: company,
            siren: DemoText.siren(index: index),
            city: city.name,
            postcode: city.postcode,
            region: city.region,
            sector: rng.pick(FrenchNames.sectors),
            employeeCount: rng.weighted([(rng.int(1...9), 40), (rng.int(10...49), 35), (rng.int(50...249), 20), (rng.int(250...2_000), 5)]),
            createdAt: joined,
            latitude: city.latitude,
            longitude: city.longitude
        ))
        let owner = Owner(clientId: client.id ?? 0, userId: user.id ?? 0, joined: joined)

        let dossierCount = rng.weighted([(1, 35), (2, 30), (3, 20), (4, 15)])
        var chosen = rng.pickDistinct(products, count: dossierCount)
        var forcedStatus: DossierStatus?
        var forcedExpert: Int?
        if index == 0, let demoExpert = experts.first, let productId = demoExpert.productIds.first,
            let product = products.first(where: { $0.id == productId })
        {
            // The demo client's first dossier is in progress with the demo expert.
            chosen = [product] + chosen.filter { $0.id != productId }
            forcedStatus = .inProgress
            forcedExpert = 0
        }
        for (position, product) in chosen.enumerated() {
            var dossierRng = random("dossier", index * 8 + position)
            try insertDossier(
                for: owner, product: product,
                status: position == 0 ? forcedStatus : nil,
                expertPosition: position == 0 ? forcedExpert : nil,
                rng: &dossierRng, into: &batch
            )
        }
        try insertNotifications(userId: owner.userId, role: .client, since: joined, rng: &rng, into: &batch)
    }

    struct Owner {
        var clientId: Int64
        var userId: Int64
        var joined: Date
    }

    private mutating func insertDossier(
        for owner: Owner,
        product: EligibleProduct,
        status forced: DossierStatus?,
        expertPosition: Int?,
        rng: inout DemoRandom,
        into batch: inout StoreBatch
    ) throws {
        guard let productId = product.id, let scheme = schemesByProductId[productId] else { return }
        let status = forced ?? rng.weighted([(.eligible, 20), (.ineligible, 10), (.inProgress, 40), (.done, 22), (.cancelled, 8)])
        let ageLimit = max(6, today.timeIntervalSince(owner.joined) / 86_400)
        let created: Date
        switch status {
        case .eligible: created = daysAgo(rng.double(1...min(120, ageLimit)))
        case .inProgress: created = daysAgo(rng.double(5...min(Double(scheme.slaDays) * 1.5, ageLimit)))
        default: created = daysAgo(rng.double(5...ageLimit))
        }
        let estimated = Int64(rng.int(scheme.typicalAmount)) * 100
        let closedAt: Date? = status.isClosed ? after(created, days: rng.double(3...Double(scheme.slaDays) * 1.3)) : nil
        let obtained: Int64? = status == .done ? estimated * Int64(rng.int(55...120)) / 100 : nil
        let dossier = try batch.insert(Dossier(
            clientId: owner.clientId,
            productId: productId,
            status: status,
            estimatedCents: estimated,
            obtainedCents: obtained,
            createdAt: created,
            updatedAt: closedAt ?? after(created, days: rng.double(0...30)),
            closedAt: closedAt
        ))
        guard let dossierId = dossier.id else { return }
        try batch.insert(AuditEntry(
            actorId: owner.userId, action: "dossier.create", entityType: "dossier",
            entityId: String(dossierId), detail: #"{"product":"\#(product.code)"}"#, createdAt: created
        ))

        let assignment = try insertAssignment(
            dossierId: dossierId, productId: productId, status: status, created: created,
            closedAt: closedAt, expertPosition: expertPosition, rng: &rng, into: &batch
        )
        try insertSteps(dossierId: dossierId, status: status, created: created, closedAt: closedAt, slaDays: scheme.slaDays, rng: &rng, into: &batch)
        guard let assignment else { return }
        let expert = experts[assignment.expertPosition]
        let exchange = Exchange(
            dossierId: dossierId, clientId: owner.clientId, clientUserId: owner.userId,
            expertId: expert.id, expertUserId: expert.userId, assignment: assignment.record,
            opened: assignment.record.requestedAt, closed: closedAt, scheme: scheme.code,
            expertResponseHours: expert.responseHours, expertIsFeminine: expert.feminine
        )
        try insertExchange(exchange, rng: &rng, into: &batch)
    }

    private struct SeededAssignment {
        var record: ExpertAssignment
        var expertPosition: Int
    }

    /// An expert on the dossier, consistent with the dossier's status; none when no published
    /// expert works on the product, or when the dossier never needed one.
    private mutating func insertAssignment(
        dossierId: Int64, productId: Int64, status: DossierStatus, created: Date, closedAt: Date?,
        expertPosition: Int?, rng: inout DemoRandom, into batch: inout StoreBatch
    ) throws -> SeededAssignment? {
        let assignmentStatus: AssignmentStatus
        switch status {
        case .ineligible: return nil
        case .eligible:
            guard rng.chance(0.4) else { return nil }
            assignmentStatus = .pending
        case .inProgress: assignmentStatus = rng.weighted([(.assigned, 30), (.inProgress, 70)])
        case .done: assignmentStatus = .completed
        case .cancelled:
            guard rng.chance(0.5) else { return nil }
            assignmentStatus = .cancelled
        }
        let pool = publishedExpertsByProduct[productId] ?? []
        guard let position = expertPosition ?? (pool.isEmpty ? nil : rng.pick(pool)) else { return nil }
        let requested = after(created, days: rng.double(0...3))
        var record = ExpertAssignment(dossierId: dossierId, expertId: experts[position].id, status: assignmentStatus, requestedAt: requested)
        if assignmentStatus != .pending && assignmentStatus != .cancelled || rng.chance(0.5) && assignmentStatus == .cancelled {
            record.acceptedAt = after(requested, days: rng.double(0.02...3))
        }
        if assignmentStatus == .inProgress || assignmentStatus == .completed {
            record.startedAt = after(record.acceptedAt ?? requested, days: rng.double(0...5))
        }
        if assignmentStatus == .completed { record.completedAt = closedAt ?? today }
        if assignmentStatus == .cancelled { record.cancelledAt = closedAt ?? today }
        record = try batch.insert(record)
        try batch.insert(AuditEntry(
            actorId: adminUserIds.first, action: "assignment.create", entityType: "expertAssignment",
            entityId: String(record.id ?? 0), detail: #"{"dossier":\#(dossierId)}"#, createdAt: requested
        ))
        return SeededAssignment(record: record, expertPosition: position)
    }

    /// The five workflow steps, their states following the dossier's.
    private func insertSteps(
        dossierId: Int64, status: DossierStatus, created: Date, closedAt: Date?, slaDays: Int,
        rng: inout DemoRandom, into batch: inout StoreBatch
    ) throws {
        let plan: [(StepType, Role)] = [(.validation, .admin), (.documentation, .client), (.expertise, .expert), (.approval, .admin), (.payment, .admin)]
        let completedCount: Int
        switch status {
        case .done: completedCount = plan.count
        case .inProgress: completedCount = rng.int(1...4)
        case .eligible: completedCount = rng.chance(0.5) ? 1 : 0
        case .ineligible, .cancelled: completedCount = rng.int(0...2)
        }
        let span = closedAt.map { $0.timeIntervalSince(created) / 86_400 } ?? Double(slaDays)
        for (offset, (type, role)) in plan.enumerated() {
            let due = after(created, days: span * Double(offset + 1) / Double(plan.count))
            let dueAt = Date(timeIntervalSince1970: created.timeIntervalSince1970 + (Double(slaDays) * Double(offset + 1) / Double(plan.count) * 86_400).rounded())
            var step = DossierStep(
                dossierId: dossierId, position: offset + 1, type: type, status: .pending,
                priority: rng.weighted([(.low, 15), (.normal, 55), (.high, 22), (.urgent, 8)]),
                assigneeRole: role, progress: 0, dueAt: dueAt, updatedAt: created
            )
            if offset < completedCount {
                step.status = .completed
                step.progress = 100
                step.completedAt = min(due, closedAt ?? today)
                step.updatedAt = step.completedAt ?? created
            } else if offset == completedCount && (status == .inProgress || status == .eligible) {
                step.status = dueAt < today ? .overdue : .inProgress
                step.progress = rng.int(1...9) * 10
                step.updatedAt = after(created, days: rng.double(0...span))
            }
            try batch.insert(step)
        }
    }
}
