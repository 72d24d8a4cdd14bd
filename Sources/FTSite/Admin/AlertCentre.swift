public import FTStore
public import Foundation
internal import FTModel

/// The admins' alert centre (`/admin/alertes.html`), rendered on each request by `ft serve`:
/// open alerts (acknowledge), the rules (edit), the e-mails given up on (send again), delivery
/// figures per kind and channel, and the latest resolved alerts.
public struct AlertCentre: Sendable {
    public let configuration: AdminConfiguration

    public init(configuration: AdminConfiguration) {
        self.configuration = configuration
    }

    /// `done`: what an action did (`saved:<rule kind>`, `acknowledged`, `retried`), said above
    /// the sections; `problem`: why an action was refused, as is.
    public func page(from database: AppDatabase, now: Date, done: String? = nil, problem: String? = nil) throws -> String {
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        let views = AdminViews(format: FrenchFormat(strings: templates.strings), now: now)
        let format = views.format
        // Absolute: the page is also shown at the address a refused form was posted to.
        var context = views.base(title: format.string("admin_alerts_title"), root: "/admin/")
        if let done {
            if done.hasPrefix("saved:"), let kind = AlertRuleKind(rawValue: String(done.dropFirst("saved:".count))) {
                context["notice"] = .text(format.string("admin_alert_saved").replacingOccurrences(of: "{name}", with: kind.frenchName))
            } else if done == "acknowledged" || done == "retried" {
                context["notice"] = .text(format.string("admin_alert_" + done))
            }
        }
        if let problem { context["problem"] = .text(problem) }
        let open = try database.alerts(open: true, limit: 500)
        context["open_count"] = .text(format.integer(open.count))
        context["open"] = .list(open.map { alert in
            [
                "id": .text(String(alert.id)), "rule": .text(alert.rule.frenchName), "title": .text(alert.title), "body": .text(alert.body),
                "opened": .text(views.dateTime(alert.openedAt)), "reminders": .text(String(alert.reminders)),
                "acknowledged": alert.acknowledgedAt.map { .text(format.string("admin_alert_acknowledged_by") + " " + (alert.acknowledgedBy ?? "?") + ", " + views.dateTime($0)) } ?? .text(""),
            ]
        })
        context["history"] = .list(try database.alerts(open: false, limit: 50).map { alert in
            [
                "rule": .text(alert.rule.frenchName), "title": .text(alert.title), "opened": .text(views.dateTime(alert.openedAt)),
                "resolved": .text(alert.resolvedAt.map(views.dateTime) ?? ""), "reminders": .text(String(alert.reminders)),
            ]
        })
        context["rules"] = .list(try database.alertRules().map { rule in
            let unit = format.string("admin_alert_unit_" + rule.kind.unit.rawValue)
            return [
                "kind": .text(rule.kind.rawValue), "name": .text(rule.kind.frenchName), "threshold": .text(String(rule.threshold)), "unit": .text(unit),
                "reminder_hours": .text(String(rule.reminderHours)), "max_reminders": .text(String(rule.maxReminders)), "active": .flag(rule.active),
                // A rule on the server itself has no dossier, so no client or expert to tell.
                "recipients": .list((rule.kind.watchesTheServer ? [.admins] : AlertRecipient.allCases).map { recipient in
                    ["value": .text(recipient.rawValue), "label": .text(format.string("admin_alert_to_" + recipient.rawValue)), "checked": .flag(rule.recipients.contains(recipient))]
                }),
                "channels": .list([NotificationChannel.email, .push].map { channel in
                    ["value": .text(channel.rawValue), "label": .text(format.string("admin_alert_by_" + channel.rawValue)), "checked": .flag(rule.channels.contains(channel))]
                }),
            ]
        })
        context["dead"] = .list(try database.deadMails(limit: 100).map { mail in
            ["id": .text(mail.mailId), "email": .text(mail.email), "notifications": .text(String(mail.notifications)), "attempts": .text(String(mail.attempts)), "error": .text(mail.lastError)]
        })
        context["stats"] = .list(try database.deliveryStatistics().map { stat in
            [
                "kind": .text(format.string("app_pref_kind_" + stat.kind.rawValue)), "channel": .text(format.string("admin_alert_by_" + stat.channel.rawValue)),
                "sent": .text(format.integer(stat.sent)), "pending": .text(format.integer(stat.pending)), "failing": .text(format.integer(stat.failing)),
                "dead": .text(format.integer(stat.dead)), "unsubscribes": .text(format.integer(stat.unsubscribes)),
            ]
        })
        for name in ["open", "dead", "stats", "history"] {
            if case .list(let items) = context[name] { context["has_" + name] = .flag(!items.isEmpty) }
        }
        return templates.render(.object(context), template: "alerts")
    }
}
