public import FTModel
public import Foundation
internal import GRDB

/// A scheme an expert can say they work on (an active eligible product).
public struct SchemeChoice: Sendable, Codable, Equatable {
    public var code: String
    public var name: String
    public var category: String
}

/// An expert's profile as its owner edits it, with where the admins' review stands.
public struct ExpertProfile: Sendable, Codable, Equatable {
    public var profile: ExpertProfileForm
    public var slug: String
    public var city: String
    public var region: String
    public var approval: ApprovalStatus
    public var rejectionReason: String?
    /// Whether the public page shows it (approved, and both the profile and the account active).
    public var published: Bool
    public var updatedAt: Date
}

/// What saving a profile did.
public enum ProfileSave: Sendable, Equatable {
    /// Saved; `published` says whether the public page shows it (and so is rebuilt).
    case saved(published: Bool, approval: ApprovalStatus)
    /// A field names something that does not exist (a scheme).
    case refused(AccountProblem)
    /// The account has no expert profile.
    case noProfile
}

extension AppDatabase {
    /// The schemes an expert can choose, by name.
    public func schemeChoices() throws -> [SchemeChoice] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT code, name, category FROM eligibleProduct WHERE active = 1 ORDER BY name COLLATE NOCASE").map {
                SchemeChoice(code: $0["code"], name: $0["name"], category: $0["category"])
            }
        }
    }

    /// Opens an expert's account, not yet verified, with a pending profile for the admins to
    /// review and the verification e-mail — or, when the address has an account, the e-mail that
    /// says so instead (the caller answers the same either way). One transaction.
    public func applyAsExpert(
        _ application: ExpertApplication, place: FrenchPostcodes.Place, passwordHash: String, nonce: String, tokenHash: Data, now: Date
    ) throws -> Result<SignUpOutcome, AccountProblem> {
        try writer.write { db in
            let productIds: [Int64]
            switch try Self.productIds(db, codes: application.profile.schemes) {
            case .success(let ids): productIds = ids
            case .failure(let problem): return .failure(problem)
            }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM user WHERE email = ?)", arguments: [application.email]) ?? false {
                try Self.insertAccountMail(db, kind: .signupTaken, email: application.email, userId: nil, nonce: nonce, tokenHash: tokenHash, now: now, window: Self.verificationWindow)
                return .success(.taken)
            }
            let profile = application.profile
            try db.execute(sql: """
                INSERT INTO user (email, passwordHash, role, displayName, active, createdAt, emailVerified) VALUES (?, ?, 'expert', ?, 1, ?, 0)
                """, arguments: [application.email, passwordHash, "\(profile.firstName) \(profile.lastName)", now])
            let userId = db.lastInsertedRowID
            let slug = try Self.freeSlug(db, for: "\(profile.firstName) \(profile.lastName)")
            try db.execute(sql: """
                INSERT INTO expert (userId, slug, firstName, lastName, company, siret, headline, city, postcode, region, latitude, longitude,
                    bioMarkdown, certifications, languages, portfolio, yearsOfExperience, dayRate, successFeePercent, approval, active, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 1, ?, ?)
                """, arguments: Self.profileArguments(profile, place: place, leading: [userId, slug]) + [now, now])
            let expertId = db.lastInsertedRowID
            for productId in productIds {
                try db.execute(sql: "INSERT INTO expertSpecialty (expertId, productId) VALUES (?, ?)", arguments: [expertId, productId])
            }
            try Self.insertAccountMail(db, kind: .verify, email: application.email, userId: userId, nonce: nonce, tokenHash: tokenHash, now: now, window: Self.verificationWindow)
            try Self.audit(db, actor: userId, action: "expert.apply", userId: userId, entityType: "expert", entityId: expertId, detail: ["siret": profile.siret], now: now)
            return .success(.created(userId: userId))
        }
    }

    /// The expert profile of `userId`, as its owner edits it; nil when the account has none.
    public func expertProfile(userId: Int64) throws -> ExpertProfile? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT expert.*, user.active AS userActive FROM expert JOIN user ON user.id = expert.userId WHERE expert.userId = ?
                """, arguments: [userId]) else { return Optional<ExpertProfile>.none }
            let schemes = try String.fetchAll(db, sql: """
                SELECT eligibleProduct.code FROM expertSpecialty JOIN eligibleProduct ON eligibleProduct.id = expertSpecialty.productId
                WHERE expertSpecialty.expertId = ? ORDER BY eligibleProduct.name COLLATE NOCASE
                """, arguments: [row["id"] as Int64])
            // The expert's columns as every other reader decodes them (`Expert(row:)`).
            let expert = try Expert(row: row)
            let userActive: Bool = row["userActive"]
            return ExpertProfile(
                profile: ExpertProfileForm(
                    firstName: expert.firstName, lastName: expert.lastName, company: expert.company, siret: expert.siret ?? "", postcode: expert.postcode,
                    headline: expert.headline, schemes: schemes, dayRate: expert.dayRate, successFeePercent: expert.successFeePercent,
                    languages: expert.languages, certifications: expert.certifications, portfolio: expert.portfolio,
                    yearsOfExperience: expert.yearsOfExperience, bio: expert.bioMarkdown
                ),
                slug: expert.slug, city: expert.city, region: expert.region, approval: expert.approval, rejectionReason: row["rejectionReason"],
                published: expert.approval == .approved && expert.active && userActive, updatedAt: expert.updatedAt
            )
        }
    }

    /// Saves the profile of `userId`'s expert, as its owner wrote it (checked by
    /// `ExpertProfileForm.check`). A rejected application goes back to the admins (pending). The
    /// public pages follow through the site-change triggers. The slug stays: links keep working.
    public func saveExpertProfile(userId: Int64, _ profile: ExpertProfileForm, place: FrenchPostcodes.Place, now: Date) throws -> ProfileSave {
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT expert.id, expert.approval, expert.active, expert.postcode, expert.city, expert.region, expert.latitude, expert.longitude,
                    user.active AS userActive
                FROM expert JOIN user ON user.id = expert.userId WHERE expert.userId = ?
                """, arguments: [userId]) else { return .noProfile }
            let expertId: Int64 = row["id"]
            let productIds: [Int64]
            switch try Self.productIds(db, codes: profile.schemes) {
            case .success(let ids): productIds = ids
            case .failure(let problem): return .refused(problem)
            }
            // The same postcode keeps the expert's own town and point on the map (the seed's and the
            // admins' may be more precise than the postcode's commune): the expert does not move,
            // and the public site rebuilds only the expert's pages.
            let place = row["postcode"] == profile.postcode
                ? FrenchPostcodes.Place(city: row["city"], region: row["region"], latitude: row["latitude"], longitude: row["longitude"])
                : place
            let before = ApprovalStatus(rawValue: row["approval"]) ?? .pending
            let after: ApprovalStatus = before == .rejected ? .pending : before
            try db.execute(sql: """
                UPDATE expert SET firstName = ?, lastName = ?, company = ?, siret = ?, headline = ?, city = ?, postcode = ?, region = ?, latitude = ?, longitude = ?,
                    bioMarkdown = ?, certifications = ?, languages = ?, portfolio = ?, yearsOfExperience = ?, dayRate = ?, successFeePercent = ?,
                    approval = ?, updatedAt = ?
                WHERE id = ?
                """, arguments: Self.profileArguments(profile, place: place, leading: []) + [after.rawValue, now, expertId])
            // Only what changed, so that an unchanged list writes no site change.
            let current = Set(try Int64.fetchAll(db, sql: "SELECT productId FROM expertSpecialty WHERE expertId = ?", arguments: [expertId]))
            let wanted = Set(productIds)
            for gone in current.subtracting(wanted) {
                try db.execute(sql: "DELETE FROM expertSpecialty WHERE expertId = ? AND productId = ?", arguments: [expertId, gone])
            }
            for added in wanted.subtracting(current) {
                try db.execute(sql: "INSERT INTO expertSpecialty (expertId, productId) VALUES (?, ?)", arguments: [expertId, added])
            }
            try db.execute(sql: "UPDATE user SET displayName = ? WHERE id = ?", arguments: ["\(profile.firstName) \(profile.lastName)", userId])
            var detail: [String: any Sendable] = ["schemes": profile.schemes.joined(separator: ",")]
            if before != after { detail["before"] = before.rawValue; detail["after"] = after.rawValue }
            try Self.audit(db, actor: userId, action: "expert.profile", userId: userId, entityType: "expert", entityId: expertId, detail: detail, now: now)
            let active: Bool = row["active"]
            let userActive: Bool = row["userActive"]
            return .saved(published: after == .approved && active && userActive, approval: after)
        }
    }

    /// The columns from `company` to `successFeePercent` of an expert row, after `leading`.
    private static func profileArguments(_ profile: ExpertProfileForm, place: FrenchPostcodes.Place, leading: [(any DatabaseValueConvertible)?]) -> StatementArguments {
        let json = { (value: any Encodable) in String(decoding: (try? JSONEncoder().encode(value)) ?? Data("[]".utf8), as: UTF8.self) }
        return StatementArguments(leading + [
            profile.firstName, profile.lastName, profile.company, profile.siret, profile.headline, place.city, profile.postcode, place.region, place.latitude, place.longitude, profile.bio, json(profile.certifications), json(profile.languages), json(profile.portfolio),
            profile.yearsOfExperience, profile.dayRate, profile.successFeePercent,
        ])
    }

    /// The ids of the active products `codes` names, or the first code that names none.
    private static func productIds(_ db: Database, codes: [String]) throws -> Result<[Int64], AccountProblem> {
        var ids: [Int64] = []
        for code in codes {
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM eligibleProduct WHERE code = ? AND active = 1", arguments: [code]) else {
                return .failure(AccountProblem(field: "schemes", "Le dispositif « \(code) » n’existe pas ou n’est plus proposé."))
            }
            ids.append(id)
        }
        return .success(ids)
    }

    /// "prenom-nom", or "prenom-nom-2", "-3"… when taken.
    private static func freeSlug(_ db: Database, for name: String) throws -> String {
        let base = Slug.make(name).isEmpty ? "expert" : Slug.make(name)
        var slug = base
        var suffix = 2
        while try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM expert WHERE slug = ?)", arguments: [slug]) ?? false {
            slug = "\(base)-\(suffix)"
            suffix += 1
        }
        return slug
    }
}
