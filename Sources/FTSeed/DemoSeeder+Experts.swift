internal import Foundation
internal import FTModel
internal import FTStore

extension SeedContext {
    /// One expert: its user, its public profile, its specialties and, if approved, the audit line.
    mutating func insertExpert(index: Int, into batch: inout StoreBatch) throws {
        var rng = random("expert", index)
        let firstName = rng.pick(FrenchNames.firstNames)
        let feminine = FrenchNames.feminineFirstNames.contains(firstName)
        let lastName = rng.pick(FrenchNames.lastNames)
        let city = rng.pick(FrenchCities.all)
        let isDemo = index == 0
        let email = isDemo ? DemoAccounts.expert : "\(DemoText.slug(firstName)).\(DemoText.slug(lastName)).\(index + 1)@experts.financialtracker.example"
        let joined = daysAgo(rng.double(30...1_400))

        let approval: ApprovalStatus = isDemo ? .approved : rng.weighted([(.approved, 85), (.pending, 10), (.rejected, 5)])
        let active = isDemo || rng.chance(0.95)
        let userActive = isDemo || rng.chance(0.98)
        let user = try batch.insert(User(
            email: email,
            passwordHash: isDemo ? try demoPasswordHash(for: email) : nil,
            role: .expert,
            displayName: "\(firstName) \(lastName)",
            phone: "+33 6 \(rng.int(10...99)) \(rng.int(10...99)) \(rng.int(10...99)) \(rng.int(10...99))",
            active: userActive,
            createdAt: joined,
            lastSeenAt: joined
        ))

        let specialtyCount = rng.weighted([(1, 30), (2, 40), (3, 20), (4, 10)])
        let specialties = rng.pickDistinct(products, count: specialtyCount)
        let schemes = specialties.compactMap { $0.id.flatMap { schemesByProductId[$0] } }
        let years = rng.int(2...35)
        let firm = rng.chance(0.7) ? rng.pick(FrenchNames.expertFirms) : "\(firstName) \(lastName) Conseil"
        let approvedAt = approval == .approved ? after(joined, days: rng.double(1...20)) : nil

        let responseHours = rng.weighted([(1.0, 10), (2, 15), (4, 20), (8, 20), (24, 25), (48, 10)])
        var expert = Expert(
            userId: user.id ?? 0,
            slug: uniqueSlug("\(firstName) \(lastName)"),
            firstName: firstName,
            lastName: lastName,
            company: firm,
            siret: DemoText.siret(index: index),
            headline: FrenchGrammar.agree(rng.pick(FrenchNames.headlines, fitting: Set(schemes.map(\.code))), feminine: feminine),
            city: city.name,
            postcode: city.postcode,
            region: city.region,
            latitude: ((city.latitude + rng.double(-0.03...0.03)) * 10_000).rounded() / 10_000,
            longitude: ((city.longitude + rng.double(-0.03...0.03)) * 10_000).rounded() / 10_000,
            bioMarkdown: FrenchGrammar.agree(bio(firstName: firstName, firm: firm, years: years, schemes: schemes, rng: &rng), feminine: feminine),
            certifications: Array(Set(schemes.flatMap(\.certifications))).sorted().prefix(rng.int(1...4)).map { $0 },
            languages: ["fr"] + rng.pickDistinct(Array(FrenchNames.languages.dropFirst()), count: rng.weighted([(0, 50), (1, 35), (2, 15)])),
            portfolio: portfolio(schemes: schemes, rng: &rng),
            yearsOfExperience: years,
            approval: approval,
            approvedAt: approvedAt,
            approvedBy: approvedAt == nil ? nil : adminUserIds.first,
            active: active,
            createdAt: joined,
            updatedAt: after(joined, days: rng.double(0...400))
        )
        if rng.chance(0.6) {
            expert.dayRate = rng.int(9...30) * 50
        } else {
            expert.successFeePercent = rng.int(10...35)
        }
        expert = try batch.insert(expert)
        guard let expertId = expert.id else { return }

        for product in specialties {
            guard let productId = product.id else { continue }
            try batch.insert(ExpertSpecialty(expertId: expertId, productId: productId))
        }
        let published = approval == .approved && active && userActive
        let position = experts.count
        experts.append(SeededExpert(id: expertId, userId: user.id ?? 0, productIds: specialties.compactMap(\.id), published: published, responseHours: responseHours, feminine: feminine))
        if published {
            for product in specialties {
                if let productId = product.id { publishedExpertsByProduct[productId, default: []].append(position) }
            }
        }
        try insertNotifications(userId: user.id ?? 0, role: .expert, since: joined, rng: &rng, into: &batch)
        if let approvedAt {
            try batch.insert(AuditEntry(
                actorId: adminUserIds.first,
                action: "expert.approve",
                entityType: "expert",
                entityId: String(expertId),
                detail: #"{"slug":"\#(expert.slug)"}"#,
                createdAt: approvedAt
            ))
        }
    }

    /// "prenom-nom", or "prenom-nom-2", "-3"… when taken.
    private mutating func uniqueSlug(_ name: String) -> String {
        let base = DemoText.slug(name)
        var slug = base
        var suffix = 2
        while usedSlugs.contains(slug) {
            slug = "\(base)-\(suffix)"
            suffix += 1
        }
        usedSlugs.insert(slug)
        return slug
    }

    /// A Markdown biography with headings, a list, a table, emphasis and a link.
    private func bio(firstName: String, firm: String, years: Int, schemes: [DemoScheme], rng: inout DemoRandom) -> String {
        let portrait = rng.pick(FrenchNames.bioParagraphs, fitting: Set(schemes.map(\.code)))
        var lines = [
            "Je m'appelle \(firstName) et j'accompagne les entreprises depuis **\(years) ans** au sein de *\(firm)*.",
            "",
            portrait,
            "",
            "## Mes domaines d'intervention",
            "",
        ]
        for scheme in schemes {
            lines.append("- **\(scheme.code)** : \(scheme.name)")
        }
        lines += ["", "## Quelques résultats récents", "", "| Année | Dispositif | Montant récupéré |", "| --- | --- | ---: |"]
        let currentYear = Calendar(identifier: .gregorian).component(.year, from: today)
        for row in 0..<rng.int(2...4) {
            let scheme = rng.pick(schemes)
            lines.append("| \(currentYear - 1 - row) | \(scheme.code) | \(DemoText.euros(rng.int(scheme.typicalAmount))) |")
        }
        // The closing paragraph is about how the expert works, named schemes aside: two portraits
        // ("only with farmers", "mostly with hotels") contradicted each other.
        lines += ["", rng.pick(FrenchNames.bioParagraphs.filter { $0.text != portrait }, fitting: [])]
        if rng.chance(0.3) {
            lines += ["", "Honoraires ~~au forfait~~ au résultat uniquement : vous ne payez que sur les sommes obtenues."]
        }
        lines += ["", "Plus d'informations : https://www.\(DemoText.slug(firm)).example"]
        return lines.joined(separator: "\n")
    }

    private func portfolio(schemes: [DemoScheme], rng: inout DemoRandom) -> [PortfolioItem] {
        let currentYear = Calendar(identifier: .gregorian).component(.year, from: today)
        return (0..<rng.int(1...3)).map { _ in
            let scheme = rng.pick(schemes)
            let city = rng.pick(FrenchCities.all)
            // "du secteur BTP", "du secteur transport routier…": an acronym keeps its capitals.
            let picked = rng.pick(FrenchNames.sectors)
            let sector = picked.split(separator: " ").first.map { $0 == $0.uppercased() } == true ? picked : picked.prefix(1).lowercased() + picked.dropFirst()
            return PortfolioItem(
                title: "\(scheme.code) pour une entreprise du secteur \(sector) à \(city.name)",
                summary: "Analyse des pièces sur trois exercices, dépôt de la réclamation et suivi jusqu'au remboursement.",
                amountRecovered: rng.int(scheme.typicalAmount),
                year: currentYear - rng.int(1...5)
            )
        }
    }
}
