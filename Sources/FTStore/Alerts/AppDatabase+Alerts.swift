public import FTModel
public import Foundation
internal import GRDB

/// What one evaluation of the alert rules did.
public struct AlertRound: Sendable, Equatable {
    public var opened = 0
    public var reminded = 0
    public var resolved = 0
    /// Notifications written (one per recipient of each alert opened or reminded).
    public var notifications = 0
    /// How long each rule's condition took to read, in seconds, by rule kind (not compared).
    public var ruleSeconds: [String: Double] = [:]

    public init() {}

    public static func == (a: AlertRound, b: AlertRound) -> Bool {
        (a.opened, a.reminded, a.resolved, a.notifications) == (b.opened, b.reminded, b.resolved, b.notifications)
    }
}

/// A condition that holds now: the subject an alert is about, and what to tell.
struct AlertMatch: Sendable {
    var subject: String
    var dossierId: Int64?
    var title: String
    var body: String
    var target: String?
    /// The expert users concerned, when not every expert of the dossier (an SLA: the mission's).
    var experts: [Int64]?
}

extension AppDatabase {
    /// The alert rules, in a fixed order.
    public func alertRules() throws -> [AlertRule] {
        try writer.read { db in try Self.alertRules(db) }
    }

    static func alertRules(_ db: Database) throws -> [AlertRule] {
        try Row.fetchAll(db, sql: "SELECT * FROM alertRule ORDER BY id").compactMap { row in
            guard let kind = AlertRuleKind(rawValue: row["kind"]) else { return nil }
            return AlertRule(
                id: row["id"], kind: kind, threshold: row["threshold"],
                recipients: Set((row["recipients"] as String).split(separator: ",").compactMap { AlertRecipient(rawValue: String($0)) }),
                channels: Set((row["channels"] as String).split(separator: ",").compactMap { NotificationChannel(rawValue: String($0)) }),
                reminderHours: row["reminderHours"], maxReminders: row["maxReminders"], active: row["active"]
            )
        }
    }

    /// Looks at every active rule's condition at `now` (read from a snapshot), then writes what
    /// changed in short transactions of at most `batch` alerts each, so that pushes and other
    /// writers are never held up for long: a condition newly true opens an alert and notifies its
    /// recipients; one still true is told again every `reminderHours`, at most `maxReminders`
    /// times; an alert whose condition no longer holds (or whose rule was turned off) is resolved.
    /// `health`: how the running server answers, for the performance rules (`api_slow`,
    /// `server_errors`). Everything is in the database, so a restart neither repeats nor forgets
    /// an alert. `notify: false` opens the alerts without telling anyone (the seed's history).
    /// `shouldStop` is asked between transactions (the server is stopping): what is left is done
    /// by the next evaluation.
    @discardableResult
    public func evaluateAlerts(
        now: Date, workingHours: WorkingHours = WorkingHours(), health: ServiceHealth? = nil, notify: Bool = true,
        batch: Int = 200, shouldStop: () -> Bool = { false }
    ) throws -> AlertRound {
        // What the rules match, and the alerts open, are read from a snapshot, without the
        // writer: the conditions are the slow part, and pushes wait for the writer. A commit
        // between the two is seen by the next evaluation, seconds later.
        var ruleSeconds: [String: Double] = [:]
        let work: [AlertWork] = try writer.read { db in
            var work: [AlertWork] = []
            // Without `health` (no server running: the seed, a test), the server's rules are left
            // as they are, neither opened nor resolved.
            for rule in try Self.alertRules(db) where health != nil || !rule.kind.watchesTheServer {
                let started = Date()
                let matches = rule.active ? try AlertConditions.matches(of: rule, now: now, workingHours: workingHours, health: health, db: db) : []
                ruleSeconds[rule.kind.rawValue, default: 0] += Date().timeIntervalSince(started)
                let open = Dictionary(try Row.fetchAll(db, sql: """
                    SELECT id, subject, lastNotifiedAt, reminders, acknowledgedAt FROM alert WHERE ruleId = ? AND resolvedAt IS NULL
                    """, arguments: [rule.id]).map { ($0["subject"] as String, $0) }, uniquingKeysWith: { first, _ in first })
                var seen = Set<String>()
                for match in matches where seen.insert(match.subject).inserted {
                    guard let alert = open[match.subject] else {
                        work.append(.open(rule, match))
                        continue
                    }
                    let last: Date = alert["lastNotifiedAt"]
                    let reminders: Int = alert["reminders"]
                    // An acknowledged alert is not told again.
                    guard (alert["acknowledgedAt"] as Date?) == nil, reminders < rule.maxReminders,
                        now.timeIntervalSince(last) >= Double(rule.reminderHours) * 3_600
                    else { continue }
                    work.append(.remind(rule, match, alert: alert["id"]))
                }
                for (subject, alert) in open where !seen.contains(subject) {
                    work.append(.resolve(alert: alert["id"]))
                }
            }
            return work
        }
        var round = AlertRound()
        round.ruleSeconds = ruleSeconds
        var recipients = AlertRecipients()
        var start = work.startIndex
        while start < work.endIndex, !shouldStop() {
            let end = min(start + max(1, batch), work.endIndex)
            try writer.write { db in
                for item in work[start..<end] {
                    switch item {
                    case .open(let rule, let match):
                        try db.execute(sql: """
                            INSERT INTO alert (ruleId, subject, dossierId, title, body, openedAt, lastNotifiedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [rule.id, match.subject, match.dossierId, match.title, match.body, now, now])
                        round.opened += 1
                        if notify {
                            round.notifications += try recipients.notify(rule: rule, match: match, reminder: false, now: now, db: db)
                        }
                    case .remind(let rule, let match, let alert):
                        // Unless an admin acknowledged it meanwhile.
                        try db.execute(sql: """
                            UPDATE alert SET reminders = reminders + 1, lastNotifiedAt = ? WHERE id = ? AND resolvedAt IS NULL AND acknowledgedAt IS NULL
                            """, arguments: [now, alert])
                        guard db.changesCount > 0 else { continue }
                        round.reminded += 1
                        if notify {
                            round.notifications += try recipients.notify(rule: rule, match: match, reminder: true, now: now, db: db)
                        }
                    case .resolve(let alert):
                        try db.execute(sql: "UPDATE alert SET resolvedAt = ? WHERE id = ? AND resolvedAt IS NULL", arguments: [now, alert])
                        round.resolved += db.changesCount
                    }
                }
            }
            start = end
        }
        return round
    }
}

/// One thing an evaluation writes.
private enum AlertWork {
    case open(AlertRule, AlertMatch)
    case remind(AlertRule, AlertMatch, alert: Int64)
    case resolve(alert: Int64)
}

/// The users an alert goes to, looked up once per dossier within an evaluation.
struct AlertRecipients {
    private var clients: [Int64: [Int64]] = [:]
    private var experts: [Int64: [Int64]] = [:]
    private var admins: [Int64]?

    /// Writes the alert's notification for each recipient; returns how many.
    mutating func notify(rule: AlertRule, match: AlertMatch, reminder: Bool, now: Date, db: Database) throws -> Int {
        var users: [Int64] = []
        if rule.recipients.contains(.client), let dossier = match.dossierId {
            if clients[dossier] == nil {
                clients[dossier] = try Int64.fetchAll(db, sql: "SELECT c.userId FROM dossier d JOIN client c ON c.id = d.clientId WHERE d.id = ?", arguments: [dossier])
            }
            users += clients[dossier] ?? []
        }
        if rule.recipients.contains(.expert) {
            if let chosen = match.experts {
                users += chosen
            } else if let dossier = match.dossierId {
                if experts[dossier] == nil {
                    experts[dossier] = try Int64.fetchAll(db, sql: """
                        SELECT e.userId FROM expertAssignment a JOIN expert e ON e.id = a.expertId WHERE a.dossierId = ? AND a.status IN ('assigned', 'in_progress')
                        """, arguments: [dossier])
                }
                users += experts[dossier] ?? []
            }
        }
        if rule.recipients.contains(.admins) {
            if admins == nil { admins = try Int64.fetchAll(db, sql: "SELECT id FROM user WHERE role = 'admin' AND active = 1 ORDER BY id") }
            users += admins ?? []
        }
        let channels = NotificationChannel.allCases.filter { $0 != .inApp && rule.channels.contains($0) }.map(\.rawValue).joined(separator: ",")
        let statement = try db.cachedStatement(sql: """
            INSERT INTO notification (userId, kind, title, body, target, createdAt, channels)
            SELECT id, ?, ?, ?, ?, ?, ? FROM user WHERE id = ? AND active = 1
            """)
        var written = 0
        var seen = Set<Int64>()
        for user in users where seen.insert(user).inserted {
            try statement.execute(arguments: [
                rule.kind.notificationKind.rawValue, reminder ? "Rappel : \(match.title)" : match.title, match.body, match.target, now, channels, user,
            ])
            written += db.changesCount
        }
        return written
    }
}

/// An alert as the admins' alert centre lists it.
public struct AlertEntry: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var rule: AlertRuleKind
    public var subject: String
    public var dossierId: Int64?
    public var title: String
    public var body: String
    public var openedAt: Date
    public var lastNotifiedAt: Date
    public var reminders: Int
    public var acknowledgedAt: Date?
    /// The admin who acknowledged it.
    public var acknowledgedBy: String?
    public var resolvedAt: Date?
}

/// Why an alert rule's change was refused.
public struct AlertRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public var description: String { "\(field): \(message)" }
}

extension AppDatabase {
    /// Open alerts (newest first), or the resolved ones (most recently resolved first).
    public func alerts(open: Bool, limit: Int = 200) throws -> [AlertEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.*, r.kind, u.displayName AS acknowledger FROM alert a JOIN alertRule r ON r.id = a.ruleId
                LEFT JOIN user u ON u.id = a.acknowledgedBy
                WHERE (a.resolvedAt IS NULL) = ? ORDER BY \(open ? "a.openedAt" : "a.resolvedAt") DESC, a.id DESC LIMIT ?
                """, arguments: [open, limit]).compactMap { row in
                guard let kind = AlertRuleKind(rawValue: row["kind"]) else { return nil }
                return AlertEntry(
                    id: row["id"], rule: kind, subject: row["subject"], dossierId: row["dossierId"], title: row["title"], body: row["body"],
                    openedAt: row["openedAt"], lastNotifiedAt: row["lastNotifiedAt"], reminders: row["reminders"],
                    acknowledgedAt: row["acknowledgedAt"], acknowledgedBy: row["acknowledger"], resolvedAt: row["resolvedAt"]
                )
            }
        }
    }

    /// An admin has seen an open alert: no more reminders; it still resolves by itself. False when
    /// there is no such open alert.
    @discardableResult
    public func acknowledgeAlert(_ id: Int64, by admin: Int64, at date: Date) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE alert SET acknowledgedAt = ?, acknowledgedBy = ? WHERE id = ? AND resolvedAt IS NULL AND acknowledgedAt IS NULL", arguments: [date, admin, id])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: """
                INSERT INTO auditLog (actorId, action, entityType, entityId, detail, createdAt) VALUES (?, 'alert.acknowledge', 'alert', ?, '{}', ?)
                """, arguments: [admin, String(id), date])
            return true
        }
    }

    /// The thresholds a rule may take, in its unit.
    static func thresholds(_ unit: AlertRuleKind.Unit) -> ClosedRange<Int> {
        switch unit {
        case .percent: 1...100
        case .workingHours: 1...200
        case .days: 0...365
        case .milliseconds: 1...10_000
        case .errors: 1...10_000
        }
    }

    /// Changes a rule (threshold, recipients, channels, cadence, on or off), in the audit log.
    public func updateAlertRule(_ rule: AlertRule, by admin: Int64, at date: Date) throws {
        // Said in French: the admin pages show it as it is.
        let limits: [(String, String, Int, ClosedRange<Int>)] = [
            ("threshold", "Le seuil", rule.threshold, Self.thresholds(rule.kind.unit)),
            ("reminderHours", "L’intervalle des relances (heures)", rule.reminderHours, 1...720),
            ("maxReminders", "Le nombre de relances", rule.maxReminders, 0...10),
        ]
        for (field, name, value, range) in limits where !range.contains(value) {
            throw AlertRuleError(field: field, message: "\(name) de la règle « \(rule.kind.frenchName) » va de \(range.lowerBound) à \(range.upperBound), pas \(value).")
        }
        if rule.recipients.isEmpty {
            throw AlertRuleError(field: "recipients", message: "La règle « \(rule.kind.frenchName) » doit prévenir quelqu’un : le client, l’expert ou les administrateurs.")
        }
        if rule.kind.watchesTheServer, !rule.recipients.contains(.admins) {
            throw AlertRuleError(field: "recipients", message: "La règle « \(rule.kind.frenchName) » concerne le serveur, sans dossier ni client ni expert : elle prévient les administrateurs.")
        }
        try writer.write { db in
            let recipients = AlertRecipient.allCases.filter(rule.recipients.contains).map(\.rawValue).joined(separator: ",")
            let channels = NotificationChannel.allCases.filter(rule.channels.contains).map(\.rawValue).joined(separator: ",")
            try db.execute(sql: """
                UPDATE alertRule SET threshold = ?, recipients = ?, channels = ?, reminderHours = ?, maxReminders = ?, active = ?, updatedAt = ? WHERE kind = ?
                """, arguments: [rule.threshold, recipients, channels, rule.reminderHours, rule.maxReminders, rule.active, date, rule.kind.rawValue])
            guard db.changesCount > 0 else { throw AlertRuleError(field: "kind", message: "Aucune règle « \(rule.kind.rawValue) ».") }
            try db.execute(sql: """
                INSERT INTO auditLog (actorId, action, entityType, entityId, detail, createdAt)
                VALUES (?, 'alert.rule', 'alertRule', ?, json_object('threshold', ?, 'recipients', ?, 'channels', ?, 'reminderHours', ?, 'maxReminders', ?, 'active', ?), ?)
                """, arguments: [admin, rule.kind.rawValue, rule.threshold, recipients, channels, rule.reminderHours, rule.maxReminders, rule.active, date])
        }
    }
}
