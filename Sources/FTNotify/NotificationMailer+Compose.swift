internal import FTModel
internal import FTSite
internal import FTStore
internal import Foundation

extension NotificationMailer {
    /// The e-mail of one pending mail, and its unsubscribe link's token and kind (none for
    /// critical kinds, which cannot be turned off).
    func compose(_ mail: PendingMail) -> (MailMessage, (token: String, kind: NotificationKind)?) {
        let base = configuration.baseURL
        let kinds = Dictionary(grouping: mail.items, by: \.kind)
        let mainKind = kinds.max { left, right in left.value.count < right.value.count || (left.value.count == right.value.count && left.key.rawValue > right.key.rawValue) }?.key ?? .system
        let (subject, intro) = Self.subjectAndIntro(mail.items)
        var unsubscribe: (token: String, kind: NotificationKind)?
        var unsubscribeURL: URL?
        if !NotificationPolicy.critical.contains(mainKind) {
            let token = tokens.unsubscribeToken(mailId: mail.mailId, kind: mainKind)
            unsubscribe = (token, mainKind)
            unsubscribeURL = URL(string: "\(base)/api/v1/unsubscribe/\(token)")
        }
        let items: [[String: String]] = mail.items.map { item in
            // An announcement is read whole in its e-mail; other notices are a glimpse of the app.
            let body = item.kind == .announcement ? item.body : String(item.body.prefix(600))
            var values = ["title": item.title, "body": body, "date": Self.frenchDate(item.createdAt)]
            if let path = NotificationTarget.appPath(item.target) { values["link"] = base + path }
            return values
        }
        let values = [
            "name": mail.displayName, "subject": subject, "intro": intro, "appLink": base + "/app/",
            "preferencesLink": base + "/app/", "unsubscribeLink": unsubscribeURL?.absoluteString ?? base + "/app/",
            "kindLabel": mainKind.frenchLabel,
        ]
        let parts = templates.render("notification", values: values, items: items)
        let message = MailMessage(
            from: configuration.from, to: MailAddress(mail.email, name: mail.displayName), subject: subject, messageId: mail.mailId,
            date: mail.items.map(\.createdAt).max() ?? Date(), text: parts.text, html: parts.html, unsubscribe: unsubscribeURL,
            attachments: mail.items.flatMap(reportFiles)
        )
        return (message, unsubscribe)
    }

    /// A report's files (XLSX, and PDF when one was printed), for a report's notification whose
    /// target is its page, `/admin/rapports/<period>/<slug>.html`. A file gone since is left out:
    /// the e-mail still links to the page.
    func reportFiles(_ item: MailItem) -> [MailAttachment] {
        guard item.kind.isReport, let directory = configuration.adminDirectory, let target = item.target,
            let page = Self.reportPage(target)
        else { return [] }
        return [("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("pdf", "application/pdf")].compactMap { type, contentType in
            guard let data = FileManager.default.contents(atPath: "\(directory)/rapports/\(page.period)/\(page.slug).\(type)") else { return nil }
            return MailAttachment(filename: "rapport-\(page.slug).\(type)", contentType: contentType, data: data)
        }
    }

    /// The period and slug of a report's page path; nil for any other path.
    static func reportPage(_ target: String) -> (period: String, slug: String)? {
        let parts = target.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "admin", parts[2] == "rapports", ReportPeriod(rawValue: String(parts[3])) != nil,
            parts[4].hasSuffix(".html")
        else { return nil }
        let slug = parts[4].dropLast(".html".count)
        guard (7...10).contains(slug.count), slug.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "W") }) else { return nil }
        return (String(parts[3]), String(slug))
    }

    /// "Nouveau message de …" for one notification; "5 nouveaux messages dans le dossier n° 12"
    /// for a conversation's; "3 notifications de FinancialTracker" for a mix.
    static func subjectAndIntro(_ items: [MailItem]) -> (String, String) {
        if items.count == 1, let item = items.first {
            if item.kind == .announcement { return (item.title, "Un message de l’équipe FinancialTracker :") }
            if item.kind.isReport { return (item.title, "Votre rapport est prêt ; le tableur (XLSX) et sa version imprimable (PDF) sont joints.") }
            return (item.title, "Vous avez une nouvelle notification sur FinancialTracker.")
        }
        if items.allSatisfy({ $0.kind == .message }), Set(items.map(\.target)).count == 1 {
            // A notification may stand for several messages ("3 nouveaux messages de …").
            let messages = items.reduce(0) { total, item in total + (Int(item.title.prefix(while: \.isNumber)) ?? 1) }
            let place = items.first?.dossierId.map { " dans le dossier n° \($0)" } ?? ""
            return ("\(messages) nouveaux messages\(place)", "Vous avez \(messages) nouveaux messages\(place).")
        }
        return ("\(items.count) notifications de FinancialTracker", "Voici vos \(items.count) dernières notifications.")
    }

    static func frenchDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "fr_FR")
        formatter.timeZone = TimeZone(identifier: "Europe/Paris")
        formatter.dateFormat = "d MMMM yyyy 'à' HH:mm"
        return formatter.string(from: date)
    }
}
