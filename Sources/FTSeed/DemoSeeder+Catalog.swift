internal import Foundation
internal import FTModel
internal import FTStore

extension SeedContext {
    /// The real schemes as eligible products.
    mutating func insertCatalog(into batch: inout StoreBatch) throws {
        for scheme in FrenchSchemes.all {
            guard let category = ProductCategory(rawValue: scheme.category) else {
                preconditionFailure("catalog scheme \(scheme.code) has an unknown category \(scheme.category)")
            }
            let product = try batch.insert(EligibleProduct(
                code: scheme.code,
                name: scheme.name,
                category: category,
                description: scheme.description,
                slaDays: scheme.slaDays
            ))
            guard let id = product.id else { continue }
            try batch.saveWorkflow(
                productId: id, questions: FrenchSchemeWorkflows.questions(for: scheme.code),
                template: FrenchSchemeWorkflows.template(for: scheme.code, slaDays: scheme.slaDays), by: nil, now: daysAgo(900)
            )
            products.append(product)
            schemesByProductId[id] = scheme
        }
    }

    /// The admins (the demo admin first) with their passwords.
    mutating func insertAccounts(into batch: inout StoreBatch) throws {
        let names = ["Camille Administratrice", "Julien Opérations", "Sarah Qualité"]
        for (index, name) in names.enumerated() {
            let email = index == 0 ? DemoAccounts.admin : "\(DemoText.slug(name)).admin@financialtracker.example"
            let user = try batch.insert(User(
                email: email,
                passwordHash: index == 0 ? try demoPasswordHash(for: email) : nil,
                role: .admin,
                displayName: name,
                createdAt: daysAgo(900 - Double(index) * 30)
            ))
            if let id = user.id { adminUserIds.append(id) }
        }
    }

    /// The demo password hashed with a salt drawn from the seed, so the database is reproducible.
    func demoPasswordHash(for email: String) throws -> String {
        var rng = random("salt:" + email)
        return try configuration.passwordHasher.hash(configuration.demoPassword, salt: rng.bytes(16))
    }
}
