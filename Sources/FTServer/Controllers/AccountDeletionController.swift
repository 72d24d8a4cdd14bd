internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import Logging
internal import FTArchive
internal import FTModel
internal import FTStore

/// `POST /api/v1/me/deletion` (JSON: `password`; signed in): deletes the account at once and for
/// good (`AppDatabase.deleteAccount`), after checking the password again (wrong ones count
/// towards the account's limit, as at sign-in). Then the account's live connections close, the
/// erased files' bytes leave the disk (`DocumentArchiver.erase`), the devices of the dossiers
/// concerned learn of the deleted messages, the public pages drop an expert's profile, and an
/// e-mail confirms it to the old address. 200 with the sentence to show; the session cookie is
/// cleared.
struct AccountDeletionController {
    let database: AppDatabase
    let blobs: BlobStore
    let tokens: LinkTokens
    let live: LiveHub
    let heavy: HeavyWork
    let limits: AccountLimits
    /// The commit changed public pages, devices' data and the e-mail outbox.
    let onCommit: @Sendable () -> Void
    let now: @Sendable () -> Date
    let logger = Logger(label: "FinancialTracker.accounts")

    func add(to group: RouterGroup<AppRequestContext>) {
        group.post("me/deletion", use: delete)
    }

    struct Confirmation: Decodable {
        var password: String
    }

    struct Deleted: ResponseEncodable {
        var message: String
        var messagesDeleted: Int
        var commentsErased: Int
        var filesErased: Int
        var dossiersCancelled: Int
        var assignmentsCancelled: Int
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Deleted> {
        guard let user = context.user, let id = user.id else { throw APIError.unauthorized }
        let form = try await JSONForm.decode(Confirmation.self, from: request, maximum: 4_096, refusingNUL: true)
        let account = user.email.lowercased()
        let now = now()
        try limits.refuseIfPasswordsLimited(email: user.email, now: now)
        let (database, password) = (self.database, form.password)
        let checked = try await heavy.run { try database.authenticateEvenly(email: user.email, password: password)?.id == id }
        guard checked else {
            limits.passwordsPerAccount.record(account, now: now)
            throw APIError(.badRequest, "invalid_field", "Ce n’est pas votre mot de passe : rien n’a été supprimé.", field: "password")
        }
        let nonce = LinkTokens.nonce()
        let deletion: AccountDeletion
        do {
            deletion = try database.deleteAccount(userId: id, nonce: nonce, tokenHash: LinkTokens.hash(tokens.accountToken(nonce: nonce)), now: now)
        } catch let refusal as AccountDeletionError {
            throw APIError(.conflict, "not_deletable", refusal.description)
        }
        live.revoke(user: id)
        if let seq = deletion.newestSeq { live.committed(upTo: seq) }
        onCommit()
        let erased = deletion.versionsErased
        if !erased.isEmpty {
            let archiver = DocumentArchiver(database: database, blobs: blobs, keep: 1)
            do {
                let removed = try await heavy.run { try archiver.erase(erased) }
                logger.info("account deleted: files erased", metadata: ["user": "\(id)", "versions": "\(erased.count)", "filesRemoved": "\(removed)"])
            } catch {
                // The rows say erased and nothing serves them; the leftovers pass removes the rest.
                logger.error("account deleted, but erasing its files' bytes failed: \(error)", metadata: ["user": "\(id)"])
            }
        }
        return EditedResponse(
            headers: [.setCookie: "\(AdminController.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict", .cacheControl: "no-store"],
            response: Deleted(
                message: "Votre compte est supprimé. Un e-mail de confirmation part vers \(user.email) ; nous ne vous écrirons plus.",
                messagesDeleted: deletion.messagesDeleted, commentsErased: deletion.commentsErased, filesErased: deletion.versionsErased.count,
                dossiersCancelled: deletion.dossiersCancelled, assignmentsCancelled: deletion.assignmentsCancelled
            )
        )
    }
}
