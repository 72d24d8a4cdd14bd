internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTMarkdown
internal import FTModel
internal import FTStore

/// Experts who apply, and who keep their profile:
///
/// - `POST /api/v1/expert-applications` (JSON: the profile's fields, `email`, `password`): an
///   account and a pending profile for the admins to review; 202 and a verification e-mail. The
///   same answer, in about the same time, when the address has an account already (it is told so
///   by e-mail instead).
/// - `GET /api/v1/me/expert-profile`: the signed-in expert's profile as they edit it, where the
///   review stands, and the schemes they can choose.
/// - `PUT /api/v1/me/expert-profile` (the profile's fields): saves it; a published profile's page
///   is rebuilt at once (`onPublish`), a rejected application goes back to the admins.
/// - `POST /api/v1/markdown-preview` (`markdown`): the HTML the public profile would show for a
///   bio, by the site's own renderer — what the forms' live preview displays.
struct ExpertProfileController {
    let database: AppDatabase
    let settings: AccountSettings
    let tokens: LinkTokens
    let heavy: HeavyWork
    let limits: AccountLimits
    /// A commit wrote an e-mail, or a change the public site shows later.
    let onMail: @Sendable () -> Void
    /// A saved profile its owner waits to see on the public page: rebuild without delay.
    let onPublish: @Sendable () -> Void
    let now: @Sendable () -> Date

    /// A bio at its longest, in JSON with escapes, and the rest of the form.
    static let maximumBody = 256 * 1024
    /// The renderer of the profile pages (their bios' headings sit under the page's own).
    static let renderer = MarkdownRenderer(headingOffset: 2)

    func add(to group: RouterGroup<AppRequestContext>) {
        group.post("expert-applications", use: apply)
        group.get("me/expert-profile", use: profile)
        group.put("me/expert-profile", use: save)
        group.post("markdown-preview", use: preview)
    }

    typealias Message = AccountController.Message

    /// The application's body: the profile's fields and the account's, side by side.
    struct ApplicationBody: Decodable {
        var email: String
        var password: String
        var profile: ExpertProfileForm

        enum CodingKeys: String, CodingKey { case email, password }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            email = try container.decode(String.self, forKey: .email)
            password = try container.decode(String.self, forKey: .password)
            profile = try ExpertProfileForm(from: decoder)
        }
    }

    /// The profile as its owner sees it.
    struct ProfileAnswer: ResponseEncodable {
        var profile: ExpertProfileForm
        var approval: ApprovalStatus
        var rejectionReason: String?
        var published: Bool
        /// The public page's path (it answers once `published`).
        var page: String
        var city: String
        var region: String
        var updatedAt: Date
        var schemeChoices: [SchemeChoice]
        var languageChoices: [String]
        /// What the save did, in French (PUT only).
        var message: String?
    }

    struct PreviewBody: Decodable {
        var markdown: String
    }

    struct PreviewAnswer: ResponseEncodable {
        var html: String
    }

    @Sendable func apply(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Message> {
        let body = try await JSONForm.decode(ApplicationBody.self, from: request, maximum: Self.maximumBody, refusingNUL: true)
        let application: ExpertApplication
        switch ExpertApplication(email: body.email, password: body.password, profile: body.profile).check(year: year(), passwords: settings.passwords) {
        case .success(let checked): application = checked
        case .failure(let problem): throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
        let place = try settings.place(postcode: application.profile.postcode)
        try limits.limitMails(email: application.email, address: context.clientAddress, now: now())
        // The hash is made whether or not the address is taken: both answers take the same time.
        let password = application.password
        let hash = try await heavy.run { try PasswordHasher().hash(password) }
        let nonce = LinkTokens.nonce()
        let outcome = try database.applyAsExpert(application, place: place, passwordHash: hash, nonce: nonce, tokenHash: LinkTokens.hash(tokens.accountToken(nonce: nonce)), now: now())
        if case .failure(let problem) = outcome { throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field) }
        onMail()
        return EditedResponse(status: .accepted, response: Message(
            message: "Candidature reçue. Un e-mail vient de partir vers \(application.email) : ouvrez le lien qu’il contient pour confirmer votre adresse. Notre équipe examine ensuite votre profil et vous écrit dès qu’il est validé."
        ))
    }

    @Sendable func profile(_ request: Request, context: AppRequestContext) async throws -> ProfileAnswer {
        let id = try expert(context)
        guard let profile = try database.expertProfile(userId: id) else { throw Self.noProfile }
        return try answer(profile, message: nil)
    }

    @Sendable func save(_ request: Request, context: AppRequestContext) async throws -> ProfileAnswer {
        let id = try expert(context)
        let form = try await JSONForm.decode(ExpertProfileForm.self, from: request, maximum: Self.maximumBody, refusingNUL: true)
        let checked: ExpertProfileForm
        switch form.check(year: year()) {
        case .success(let value): checked = value
        case .failure(let problem): throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
        let message: String
        switch try database.saveExpertProfile(userId: id, checked, place: try settings.place(postcode: checked.postcode), now: now()) {
        case .noProfile: throw Self.noProfile
        case .refused(let problem): throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        case .saved(let published, let approval):
            if published {
                onPublish()
                message = "Profil enregistré : votre page publique est à jour."
            } else {
                onMail()
                message = approval == .pending
                    ? "Profil enregistré. Il sera publié une fois votre candidature validée par notre équipe."
                    : "Profil enregistré. Il n’est pas publié en ce moment."
            }
        }
        guard let saved = try database.expertProfile(userId: id) else { throw Self.noProfile }
        return try answer(saved, message: message)
    }

    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> PreviewAnswer {
        let now = now()
        if limits.previewsPerAddress.isLimited(context.clientAddress, now: now) {
            let wait = limits.previewsPerAddress.retryAfter(context.clientAddress, now: now)
            throw APIError(.tooManyRequests, "too_many_requests", "Trop d’aperçus demandés : réessayez dans \(wait) s.", retryAfter: wait)
        }
        limits.previewsPerAddress.record(context.clientAddress, now: now)
        let body = try await JSONForm.decode(PreviewBody.self, from: request, maximum: Self.maximumBody, refusingNUL: true)
        guard body.markdown.count <= ExpertProfileForm.bioLimit else {
            throw APIError(.badRequest, "invalid_field", "La présentation fait au plus \(ExpertProfileForm.bioLimit) caractères (elle en a \(body.markdown.count)).", field: "markdown")
        }
        let markdown = body.markdown
        return PreviewAnswer(html: try await heavy.run { Self.renderer.html(from: markdown) })
    }

    // MARK: - Shared

    private static let noProfile = APIError(.notFound, "no_expert_profile", "Ce compte n’a pas de profil d’expert.")

    /// The signed-in expert's user id; 401 signed out, 403 for another role.
    private func expert(_ context: AppRequestContext) throws -> Int64 {
        guard let user = context.user, let id = user.id else { throw APIError.unauthorized }
        guard user.role == .expert else {
            throw APIError(.forbidden, "forbidden", "Seul un expert a un profil public à modifier.")
        }
        return id
    }

    private func answer(_ profile: ExpertProfile, message: String?) throws -> ProfileAnswer {
        ProfileAnswer(
            profile: profile.profile, approval: profile.approval, rejectionReason: profile.rejectionReason, published: profile.published,
            page: "/experts/\(profile.slug)/", city: profile.city, region: profile.region, updatedAt: profile.updatedAt,
            schemeChoices: try database.schemeChoices(), languageChoices: Expert.languageCodes, message: message
        )
    }

    private func year() -> Int {
        Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Europe/Paris") ?? .gmt, from: now()).year ?? 2026
    }
}
