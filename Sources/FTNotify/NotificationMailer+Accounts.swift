internal import FTModel
internal import FTSite
public import FTStore
internal import Foundation
internal import Logging

extension NotificationMailer {
    /// One round of account e-mails (an address's verification, a password reset, and the two
    /// that answer an attempt on an address without telling the requester anything). Same
    /// guarantees as the notifications' e-mails: at least once, with a Message-ID fixed by the
    /// row; retries with backoff, then given up. A link past its validity is not sent.
    public func deliverAccountMails() async -> Round {
        let mails: [AccountMail]
        do {
            mails = try await store.run { [self] in try database.accountMails(now: now(), limit: Self.batch) }
        } catch {
            logger.error("account e-mails: the outbox could not be read: \(error)")
            return Round()
        }
        return await sendRound(
            mails, label: "account", compose: compose, attempts: \.attempts,
            failed: { [self] mail, error, retry in try database.markAccountMailFailed(mail.id, error: error, retryAt: retry, now: now()) },
            sent: { [self] sent in try database.markAccountMailsSent(sent.map(\.id), at: now()) }
        )
    }

    func compose(_ mail: AccountMail) -> MailMessage {
        let base = configuration.baseURL
        let token = tokens.accountToken(nonce: mail.nonce)
        var values = ["name": mail.displayName ?? "", "siteLink": base + "/"]
        switch mail.kind {
        case .verify:
            values["subject"] = "Confirmez votre adresse e-mail"
            values["intro"] = "Bienvenue sur FinancialTracker. Pour activer votre compte, confirmez votre adresse e-mail (lien valable 7 jours)."
            values["actionText"] = "Confirmer mon adresse"
            values["actionLink"] = "\(base)/api/v1/accounts/verify/\(token)"
            values["note"] = "Si vous n’avez pas créé de compte, ignorez cet e-mail : sans confirmation, le compte reste inactif."
        case .reset:
            values["subject"] = "Choisissez un nouveau mot de passe"
            values["intro"] = "Vous avez demandé à changer le mot de passe de votre compte FinancialTracker. Ce lien sert une fois et pendant 30 minutes."
            values["actionText"] = "Choisir un nouveau mot de passe"
            values["actionLink"] = "\(base)/compte/nouveau-mot-de-passe/#jeton=\(token)"
            values["note"] = "Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail : votre mot de passe reste le même."
        case .signupTaken:
            values["subject"] = "Vous avez déjà un compte FinancialTracker"
            values["intro"] = "Quelqu’un, vous peut-être, a voulu créer un compte FinancialTracker avec cette adresse, mais l’adresse, ou l’entreprise par son SIREN, a déjà un compte. Si c’est votre adresse et que vous avez oublié le mot de passe, choisissez-en un nouveau. Si c’est votre entreprise qui a déjà un compte, demandez à la personne qui l’a ouvert."
            values["actionText"] = "Mot de passe oublié"
            values["actionLink"] = "\(base)/compte/mot-de-passe-oublie/"
            values["note"] = "Si ce n’est pas vous, ignorez cet e-mail : rien n’a changé."
        case .deleted:
            values["subject"] = "Votre compte FinancialTracker est supprimé"
            values["intro"] = "Comme vous l’avez demandé, votre compte FinancialTracker est supprimé : vos messages, vos commentaires, vos fichiers, votre profil et vos préférences sont effacés. Ce que la loi nous oblige à garder (les dossiers et leur historique) l’est sans votre nom ni votre adresse. C’est le dernier e-mail que nous vous envoyons."
            values["actionText"] = "Revenir sur FinancialTracker"
            values["actionLink"] = "\(base)/"
            values["note"] = "Si vous n’êtes pas à l’origine de cette suppression, répondez à cet e-mail sans attendre."
        case .resetUnknown:
            values["subject"] = "Aucun compte FinancialTracker à cette adresse"
            values["intro"] = "Quelqu’un, vous peut-être, a demandé un nouveau mot de passe FinancialTracker pour cette adresse, mais aucun compte n’y est associé. Vous pouvez en créer un."
            values["actionText"] = "Créer un compte"
            values["actionLink"] = "\(base)/compte/inscription/"
            values["note"] = "Si ce n’est pas vous, ignorez cet e-mail : rien n’a changé."
        }
        let parts = templates.render("account", values: values, items: [])
        return MailMessage(
            from: configuration.from, to: MailAddress(mail.email), subject: values["subject"] ?? "", messageId: mail.mailId(domain: configuration.domain),
            date: mail.createdAt, text: parts.text, html: parts.html, unsubscribe: nil
        )
    }
}
