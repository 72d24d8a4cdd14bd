internal import FTModel
internal import FTSite
public import FTStore
internal import Foundation
internal import Logging

extension NotificationMailer {
    /// One round of saved searches' e-mails: confirmations (the double opt-in), then the new
    /// experts of confirmed alerts. Same guarantees as the notifications' e-mails: at least once,
    /// with a Message-ID fixed by the alert's state; retries with backoff, then the alert stops.
    public func deliverSearchAlerts() async -> Round {
        let mails: [SearchAlertMail]
        do {
            mails = try await store.run { [self] in try database.searchAlertMails(now: now(), domain: configuration.domain, limit: Self.batch) }
        } catch {
            logger.error("search alerts: the outbox could not be read: \(error)")
            return Round()
        }
        // Given up: the alert stops (`failedAt`).
        return await sendRound(
            mails, label: "search alert", compose: compose, attempts: \.attempts,
            failed: { [self] mail, error, retry in try database.markSearchAlertMailFailed(mail, error: error, retryAt: retry, now: now()) },
            sent: { [self] sent in try database.markSearchAlertMailsSent(sent, at: now()) }
        )
    }

    /// The e-mail of a saved search: its confirmation link, or its new experts with the link that
    /// stops the alert (also in `List-Unsubscribe`, one click).
    func compose(_ mail: SearchAlertMail) -> MailMessage {
        let base = configuration.baseURL
        let token = tokens.searchAlertToken(nonce: mail.nonce)
        let cancel = URL(string: "\(base)/api/v1/search-alerts/\(token)/cancel")
        var values = [
            "criteria": mail.alert.criteria.frenchDescription, "searchLink": base + Self.searchPath(mail.alert.criteria),
            "cancelLink": cancel?.absoluteString ?? base + "/",
        ]
        switch mail.content {
        case .confirmation:
            values["subject"] = "Confirmez votre alerte de nouveaux experts"
            values["confirmLink"] = "\(base)/api/v1/search-alerts/\(token)/confirm"
            let parts = templates.render("search-alert-confirmation", values: values, items: [])
            return MailMessage(
                from: configuration.from, to: MailAddress(mail.alert.email), subject: values["subject"] ?? "", messageId: mail.mailId,
                date: mail.alert.createdAt, text: parts.text, html: parts.html, unsubscribe: nil
            )
        case .experts(let experts):
            let subject = experts.count == 1 ? "Un nouvel expert pour votre recherche" : "\(experts.count) nouveaux experts pour votre recherche"
            values["subject"] = subject
            let items = experts.map { expert in
                [
                    "name": expert.name, "company": expert.company, "headline": expert.headline, "city": expert.city,
                    "link": "\(base)/experts/\(expert.slug)/",
                ]
            }
            let parts = templates.render("search-alert-experts", values: values, items: items)
            return MailMessage(
                from: configuration.from, to: MailAddress(mail.alert.email), subject: subject, messageId: mail.mailId,
                date: experts.last?.approvedAt ?? now(), text: parts.text, html: parts.html, unsubscribe: cancel
            )
        }
    }

    /// The search page with the alert's criteria, as the page writes them in its address.
    static func searchPath(_ criteria: SearchCriteria) -> String {
        var query: [URLQueryItem] = []
        if !criteria.words.isEmpty { query.append(URLQueryItem(name: "q", value: criteria.words)) }
        if let product = criteria.product { query.append(URLQueryItem(name: "dispositif", value: product)) }
        if let category = criteria.category { query.append(URLQueryItem(name: "categorie", value: category.rawValue)) }
        if let region = criteria.region { query.append(URLQueryItem(name: "region", value: region)) }
        if let language = criteria.language { query.append(URLQueryItem(name: "langue", value: language)) }
        var components = URLComponents()
        components.path = "/recherche/"
        components.queryItems = query.isEmpty ? nil : query
        return components.string ?? "/recherche/"
    }
}
