internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore

/// Accounts people open and look after themselves:
///
/// - `POST /api/v1/accounts` (JSON: `company`, `siren`, `postcode`, `contactName`, `email`,
///   `password`): a client's sign-up; 202, and a verification e-mail. The same answer, in about
///   the same time, when the address or the SIREN has an account already (that address is then
///   told so by e-mail instead).
/// - `GET /api/v1/accounts/verify/{token}`: a page with a button (mail scanners follow links);
///   `POST` confirms the address, after which the account can sign in.
/// - `POST /api/v1/password-resets` (`email`): 202 whether the address has an account or not;
///   the e-mail it gets says which. `POST /api/v1/password-resets/check` (`token`) says whether a
///   link still works; `POST /api/v1/password-resets/confirm` (`token`, `password`) sets the new
///   password (once, within 30 minutes) and ends every session of the account.
/// - `POST /api/v1/me/password` (`current`, `password`; signed in): changes the password; the
///   other sessions end.
/// - `GET /api/v1/me/export` (signed in): everything the database holds about the user, as a JSON
///   file to download (`AppDatabase.personalData`).
///
/// Tokens travel in the JSON bodies, not in the addresses the server logs, except the
/// verification link's (its page must open from the e-mail).
struct AccountController {
    let database: AppDatabase
    let settings: AccountSettings
    let tokens: LinkTokens
    let live: LiveHub
    let heavy: HeavyWork
    let limits: AccountLimits
    /// A commit wrote an e-mail: the mailer leaves at once.
    let onMail: @Sendable () -> Void
    let now: @Sendable () -> Date

    static let maximumBody = 8_192

    func add(to group: RouterGroup<AppRequestContext>) {
        group.post("accounts", use: signUp)
        group.get("accounts/verify/:token", use: showVerify)
        group.post("accounts/verify/:token", use: verify)
        group.post("password-resets", use: requestReset)
        group.post("password-resets/check", use: checkReset)
        group.post("password-resets/confirm", use: confirmReset)
        group.post("me/password", use: changePassword)
        group.get("me/export", use: exportData)
    }

    struct Message: ResponseEncodable {
        var message: String
    }

    struct SignUpForm: Decodable {
        var company: String
        var siren: String
        var postcode: String
        var contactName: String
        var email: String
        var password: String
    }

    @Sendable func signUp(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Message> {
        let form = try await Self.decode(SignUpForm.self, request)
        let checked: SignUp
        switch SignUp.check(company: form.company, siren: form.siren, postcode: form.postcode, contactName: form.contactName, email: form.email, password: form.password, passwords: settings.passwords) {
        case .success(let value): checked = value
        case .failure(let problem): throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
        let place = try settings.place(postcode: checked.postcode)
        try limitMails(email: checked.email, context: context)
        // The hash is made whether or not the address is taken: both answers take the same time.
        let password = checked.password
        let hash = try await heavy.run { try PasswordHasher().hash(password) }
        let nonce = LinkTokens.nonce()
        _ = try database.signUp(checked, place: place, passwordHash: hash, nonce: nonce, tokenHash: LinkTokens.hash(tokens.accountToken(nonce: nonce)), now: now())
        onMail()
        return EditedResponse(status: .accepted, response: Message(
            message: "C’est presque fini : un e-mail vient de partir vers \(checked.email). Ouvrez le lien qu’il contient pour activer votre compte."
        ))
    }

    private static let unknownLink = (title: "Lien inconnu", text: "Ce lien de confirmation n’existe pas ou le compte a été fermé.")

    @Sendable func showVerify(_ request: Request, context: AppRequestContext) async throws -> Response {
        LinkPage.response(.ok, title: "Confirmer votre adresse", text: "Une dernière étape : confirmez votre adresse e-mail pour activer votre compte FinancialTracker.", form: request.uri.path, button: "Confirmer mon adresse")
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        switch try database.verifyEmail(tokenHash: try LinkPage.tokenHash(context), now: now()) {
        case .done(let user) where user.role == .expert:
            return LinkPage.response(.ok, title: "Adresse confirmée", text: "Merci \(user.displayName) : votre adresse est confirmée. Notre équipe examine votre candidature et vous écrit dès qu’elle est validée ; en attendant, vous pouvez vous connecter et compléter votre profil.", link: ("/app/profile.html", "Se connecter"))
        case .done(let user):
            return LinkPage.response(.ok, title: "Adresse confirmée", text: "Merci \(user.displayName) : votre compte est actif. Vous pouvez vous connecter.", link: ("/app/index.html", "Se connecter"))
        case .used:
            return LinkPage.response(.ok, title: "Adresse déjà confirmée", text: "Ce lien a déjà servi : votre compte est actif.", link: ("/app/index.html", "Se connecter"))
        case .expired:
            return LinkPage.response(.gone, title: "Lien expiré", text: "Ce lien a plus de 7 jours. Connectez-vous avec votre mot de passe : un nouveau lien vous sera envoyé.", link: ("/app/index.html", "Se connecter"))
        case .unknown:
            return LinkPage.response(.notFound, title: Self.unknownLink.title, text: Self.unknownLink.text)
        }
    }

    struct ResetRequest: Decodable {
        var email: String
    }

    @Sendable func requestReset(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Message> {
        let form = try await Self.decode(ResetRequest.self, request)
        let email: String
        switch AccountEmail.checked(form.email) {
        case .success(let address): email = address
        case .failure(let problem): throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
        try limitMails(email: email, context: context)
        let nonce = LinkTokens.nonce()
        try database.requestPasswordReset(email: email, nonce: nonce, tokenHash: LinkTokens.hash(tokens.accountToken(nonce: nonce)), now: now())
        onMail()
        return EditedResponse(status: .accepted, response: Message(
            message: "Un e-mail vient de partir vers \(email). S’il existe un compte à cette adresse, il contient un lien pour choisir un nouveau mot de passe, valable 30 minutes."
        ))
    }

    struct ResetToken: Decodable {
        var token: String
    }

    struct ResetConfirmation: Decodable {
        var token: String
        var password: String
    }

    @Sendable func checkReset(_ request: Request, context: AppRequestContext) async throws -> Message {
        let form = try await Self.decode(ResetToken.self, request)
        switch try database.passwordResetLink(tokenHash: try Self.tokenHash(form.token), now: now()) {
        case .done: return Message(message: "Choisissez votre nouveau mot de passe.")
        case let other: throw Self.refusal(other)
        }
    }

    @Sendable func confirmReset(_ request: Request, context: AppRequestContext) async throws -> Message {
        let form = try await Self.decode(ResetConfirmation.self, request)
        let hash = try Self.tokenHash(form.token)
        let found = try database.passwordResetLink(tokenHash: hash, now: now())
        guard case .done(let user) = found, let id = user.id else { throw Self.refusal(found) }
        if let problem = settings.passwords.problem(form.password, email: user.email) {
            throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
        let password = form.password
        let passwordHash = try await heavy.run { try PasswordHasher().hash(password) }
        let link = try database.resetPassword(tokenHash: hash, passwordHash: passwordHash, now: now())
        guard case .done = link else { throw Self.refusal(link) }
        live.revoke(user: id)
        return Message(message: "Votre mot de passe est changé, et toutes vos sessions ont été fermées. Connectez-vous avec le nouveau.")
    }

    struct PasswordChange: Decodable {
        var current: String
        var password: String
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user, let id = user.id, let token = context.token else { throw APIError.unauthorized }
        let form = try await Self.decode(PasswordChange.self, request)
        let account = user.email.lowercased()
        let now = now()
        try limits.refuseIfPasswordsLimited(email: user.email, now: now)
        if let problem = settings.passwords.problem(form.password, email: user.email) {
            throw APIError(.badRequest, "invalid_field", problem.message, field: problem.field)
        }
        let (current, new) = (form.current, form.password)
        let database = self.database
        let passwordHash = try await heavy.run { () -> String? in
            guard let checked = try database.authenticateEvenly(email: user.email, password: current), checked.id == id else { return nil }
            return try PasswordHasher().hash(new)
        }
        guard let passwordHash else {
            limits.passwordsPerAccount.record(account, now: now)
            throw APIError(.badRequest, "invalid_field", "Le mot de passe actuel n’est pas le bon.", field: "current")
        }
        _ = try database.changePassword(userId: id, passwordHash: passwordHash, keeping: token, now: now)
        live.revoke(user: id, except: token)
        return Response(status: .noContent)
    }

    @Sendable func exportData(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user, let id = user.id else { throw APIError.unauthorized }
        guard let data = try database.personalData(userId: id, now: now()) else { throw APIError.unauthorized }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentDisposition] = #"attachment; filename="financialtracker-mes-donnees.json""#
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: - Shared

    private func limitMails(email: String, context: AppRequestContext) throws {
        try limits.limitMails(email: email, address: context.clientAddress, now: now())
    }

    private static func refusal(_ link: AccountLink) -> APIError {
        switch link {
        case .used: APIError(.gone, "link_used", "Ce lien a déjà servi. Demandez-en un nouveau depuis « Mot de passe oublié ».", field: "token")
        case .expired: APIError(.gone, "link_expired", "Ce lien a plus de 30 minutes. Demandez-en un nouveau depuis « Mot de passe oublié ».", field: "token")
        case .unknown, .done: APIError(.notFound, "link_unknown", "Ce lien n’existe pas. Demandez-en un nouveau depuis « Mot de passe oublié ».", field: "token")
        }
    }

    /// A reset link's token (`LinkPage.hash(of:)`), hashed; a 404 naming `token` for anything else.
    private static func tokenHash(_ token: String) throws -> Data {
        guard let hash = LinkPage.hash(of: token) else {
            throw APIError(.notFound, "link_unknown", "Ce lien n’existe pas. Demandez-en un nouveau depuis « Mot de passe oublié ».", field: "token")
        }
        return hash
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        try await JSONForm.decode(type, from: request, maximum: maximumBody, refusingNUL: true)
    }
}

extension AccountSettings {
    /// The town, region and map point of a form's postcode, for a sign-up or an expert's profile:
    /// a 400 naming `postcode` when no commune has it, a 503 when the server has no place list.
    func place(postcode: String) throws -> FrenchPostcodes.Place {
        guard !postcodes.isEmpty else {
            throw APIError(.serviceUnavailable, "unavailable", "Les comptes et les profils ne peuvent pas être enregistrés sur ce serveur (liste des communes absente).")
        }
        guard let place = postcodes.place(postcode: postcode) else {
            throw APIError(.badRequest, "invalid_field", "Le code postal \(postcode) ne correspond à aucune commune que nous connaissons.", field: "postcode")
        }
        return place
    }
}
