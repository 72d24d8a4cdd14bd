internal import Foundation
internal import FTStore

/// The restricted pages' view models: figures formatted for a French reader, with the raw number
/// beside each (`data-value`) so that tests and scripts read exactly what was counted.
struct AdminViews: Sendable {
    let format: FrenchFormat
    let now: Date

    static let dossierStatuses = ["eligible", "in_progress", "done", "ineligible", "cancelled"]
    static let assignmentStatuses = ["pending", "assigned", "in_progress", "completed", "cancelled"]

    func base(title: String, root: String) -> [String: TemplateValue] {
        [
            "t": .object(format.strings.mapValues { .text($0) }),
            "page": ["title": .text(title), "root": .text(root), "generated": .text(dateTime(now))],
        ]
    }

    func dateTime(_ date: Date) -> String {
        let parts = FrenchFormat.calendar.dateComponents([.hour, .minute], from: date)
        return format.day(date) + String(format: " à %02d:%02d UTC", parts.hour ?? 0, parts.minute ?? 0)
    }

    func euros(_ cents: Int64) -> String { format.euros(Int((Double(cents) / 100).rounded())) }

    func duration(_ seconds: Double) -> String {
        seconds < 86_400 ? format.decimal(seconds / 3_600) + " h" : format.decimal(seconds / 86_400) + " j"
    }

    /// "+12 % sur 30 jours", whether it went up, down or stayed, and whether that is good news
    /// (`lowerIsBetter` for delays).
    func trend(_ trend: Trend, lowerIsBetter: Bool = false, show: (Double) -> String) -> TemplateValue {
        guard let current = trend.current else { return ["text": .text(format.string("admin_trend_none")), "direction": "flat"] }
        guard let previous = trend.previous, previous != 0 else {
            return ["text": .text(format.fill("admin_trend_new", ["value": show(current)])), "direction": "flat"]
        }
        let change = (current - previous) / abs(previous) * 100
        let sign = change > 0.05 ? "+" : ""
        let direction = change > 0.05 ? "up" : change < -0.05 ? "down" : "flat"
        let good = lowerIsBetter ? direction == "down" : direction == "up"
        let bad = lowerIsBetter ? direction == "up" : direction == "down"
        return [
            "text": .text(format.fill("admin_trend", ["change": sign + format.decimal(change), "value": show(current), "previous": show(previous)])),
            "direction": .text(good ? "good" : bad ? "bad" : "flat"),
        ]
    }

    func kpi(_ key: String, _ value: String, raw: String, trend: TemplateValue? = nil) -> TemplateValue {
        var object: [String: TemplateValue] = ["key": .text(key), "label": .text(format.string("admin_kpi_" + key)), "value": .text(value), "raw": .text(raw)]
        if let trend { object["trend"] = trend }
        return .object(object)
    }

    func kpis(_ metrics: DashboardMetrics) -> [TemplateValue] {
        let count = { (value: Double) in self.format.integer(Int(value.rounded())) }
        var list: [TemplateValue] = [
            kpi("clients", format.integer(metrics.clients), raw: String(metrics.clients), trend: trend(metrics.newClients, show: count)),
            kpi("experts_active", format.integer(metrics.activeExperts), raw: String(metrics.activeExperts)),
            kpi("experts_pending", format.integer(metrics.pendingExperts), raw: String(metrics.pendingExperts)),
        ]
        let dossiers = metrics.dossiersByStatus.values.reduce(0, +)
        list.append(kpi("dossiers", format.integer(dossiers), raw: String(dossiers), trend: trend(metrics.newDossiers, show: count)))
        for status in Self.dossierStatuses {
            let value = metrics.dossiersByStatus[status, default: 0]
            list.append(kpi("dossiers_" + status, format.integer(value), raw: String(value)))
        }
        for status in Self.assignmentStatuses {
            let value = metrics.assignmentsByStatus[status, default: 0]
            list.append(kpi("assignments_" + status, format.integer(value), raw: String(value)))
        }
        list.append(kpi("amount_estimated", euros(metrics.estimatedCents), raw: String(metrics.estimatedCents)))
        list.append(kpi("amount_recovered", euros(metrics.recoveredCents), raw: String(metrics.recoveredCents),
                        trend: trend(metrics.recovered, show: { self.euros(Int64($0)) })))
        let conversion = metrics.conversionEligible == 0 ? 0 : Double(metrics.conversionDone) / Double(metrics.conversionEligible)
        list.append(kpi("conversion", format.decimal(conversion * 100) + " %", raw: String(format: "%.6f", conversion)))
        if let median = Statistics.median(metrics.firstResponseSeconds) {
            list.append(kpi("first_response", duration(median), raw: String(Int(median.rounded())), trend: trend(metrics.firstResponseTrend, lowerIsBetter: true, show: duration)))
        } else {
            list.append(kpi("first_response", "—", raw: ""))
        }
        list.append(kpi("rating_average", metrics.ratingAverage.map { format.decimal($0) + " / 5" } ?? "—",
                        raw: metrics.ratingAverage.map { String(format: "%.6f", $0) } ?? "", trend: trend(metrics.ratingTrend, show: { self.format.decimal($0) })))
        list.append(kpi("rating_count", format.integer(metrics.ratingCount), raw: String(metrics.ratingCount)))
        return list
    }

    /// A chart with its numbers as a table.
    func chart(id: String, title: String, description: String, bars: [SVGChart.Bar], columns: Bool = false) -> TemplateValue {
        let svg = columns
            ? SVGChart.columns(id: id, title: title, description: description, items: bars)
            : SVGChart.bars(id: id, title: title, description: description, items: bars)
        return [
            "id": .text(id), "title": .text(title), "svg": .text(svg),
            "rows": .list(bars.map { ["label": .text($0.label), "value": .text($0.text)] }),
        ]
    }

    func charts(_ metrics: DashboardMetrics) -> [TemplateValue] {
        let dossierBars = Self.dossierStatuses.map { status in
            let value = metrics.dossiersByStatus[status, default: 0]
            return SVGChart.Bar(label: format.string("admin_status_" + status), value: Double(value), text: format.integer(value))
        }
        let assignmentBars = Self.assignmentStatuses.map { status in
            let value = metrics.assignmentsByStatus[status, default: 0]
            return SVGChart.Bar(label: format.string("admin_assignment_" + status), value: Double(value), text: format.integer(value))
        }
        let weekBars = metrics.weeklyDossiers.map { week in
            let parts = FrenchFormat.calendar.dateComponents([.day, .month], from: week.week)
            return SVGChart.Bar(label: String(format: "%02d/%02d", parts.day ?? 0, parts.month ?? 0), value: Double(week.count), text: format.integer(week.count))
        }
        let categoryBars = metrics.recoveredByCategory.map {
            SVGChart.Bar(label: format.string("category_" + $0.category), value: Double($0.cents), text: euros($0.cents))
        }
        func describe(_ bars: [SVGChart.Bar]) -> String { bars.map { "\($0.label) : \($0.text)" }.joined(separator: " ; ") }
        return [
            chart(id: "chart-dossiers", title: format.string("admin_chart_dossiers"), description: describe(dossierBars), bars: dossierBars),
            chart(id: "chart-assignments", title: format.string("admin_chart_assignments"), description: describe(assignmentBars), bars: assignmentBars),
            chart(id: "chart-weeks", title: format.string("admin_chart_weeks"), description: describe(weekBars), bars: weekBars, columns: true),
            chart(id: "chart-recovered", title: format.string("admin_chart_recovered"), description: describe(categoryBars), bars: categoryBars),
        ]
    }

    enum SLAState: String, CaseIterable {
        case onTime = "on_time"
        case atRisk = "at_risk"
        case breached
    }

    /// Against the product's SLA: breached past it, at risk past three quarters of it.
    func state(_ assignment: OpenAssignment) -> SLAState {
        let days = now.timeIntervalSince(assignment.requestedAt) / 86_400
        let sla = Double(assignment.slaDays)
        return days > sla ? .breached : days > sla * 0.75 ? .atRisk : .onTime
    }

    /// A step with a due date: breached once past it, at risk in its last two days; without
    /// one, measured from its last change against the product's SLA.
    func state(_ step: OpenStep) -> SLAState {
        if let due = step.dueAt {
            let left = due.timeIntervalSince(now)
            return left < 0 ? .breached : left < 2 * 86_400 ? .atRisk : .onTime
        }
        let days = now.timeIntervalSince(step.updatedAt) / 86_400
        let sla = Double(step.slaDays)
        return days > sla ? .breached : days > sla * 0.75 ? .atRisk : .onTime
    }

    /// The list pages' rows are written here rather than through the template engine: a page
    /// holds 500 of them and the lists run to hundreds of thousands (the page around them is a
    /// template). Every value is escaped.
    struct RowWriter {
        let views: AdminViews
        var html = ""
        private var days: [Int: String] = [:]
        private var labels: [String: String] = [:]
        /// Calendar days already written, by day number since 1970 (UTC): formatting a date
        /// through `Calendar` costs more than the rest of a row.
        private var dates: [Int: String] = [:]

        init(views: AdminViews) {
            self.views = views
        }

        mutating func cell(_ text: String, attributes: String = "") {
            html += attributes.isEmpty ? "<td>" : "<td \(attributes)>"
            Template.appendEscaped(text, to: &html)
            html += "</td>"
        }

        /// A cell holding a link to `href` (a path this code makes, not user content) showing `text`.
        mutating func link(_ text: String, href: String) {
            html += "<td><a href=\"\(href)\">"
            Template.appendEscaped(text, to: &html)
            html += "</a></td>"
        }

        mutating func days(_ count: Int) -> String {
            if let text = days[count] { return text }
            let text = views.format.count("admin_days", max(0, count))
            days[count] = text
            return text
        }

        mutating func label(_ key: String) -> String {
            if let text = labels[key] { return text }
            let text = views.format.string(key)
            labels[key] = text
            return text
        }

        mutating func age(_ since: Date) -> String {
            days(Int(views.now.timeIntervalSince(since) / 86_400))
        }

        /// "12 mars 2026".
        mutating func day(_ date: Date) -> String {
            let number = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
            if let text = dates[number] { return text }
            let text = views.format.day(date)
            dates[number] = text
            return text
        }

        /// "12 mars 2026 à 14:05 UTC", as `AdminViews.dateTime`.
        mutating func dateTime(_ date: Date) -> String {
            let seconds = Int(date.timeIntervalSince1970.rounded(.down))
            let minutes = ((seconds % 86_400) + 86_400) % 86_400 / 60
            return day(date) + String(format: " à %02d:%02d UTC", minutes / 60, minutes % 60)
        }
    }

    func assignmentRows(_ assignments: ArraySlice<OpenAssignment>) -> String {
        var writer = RowWriter(views: self)
        for assignment in assignments {
            let state = state(assignment).rawValue
            writer.html += "<tr data-id=\"\(assignment.id)\" class=\"sla-\(state)\">"
            writer.cell(String(assignment.id))
            writer.link(String(assignment.dossierId), href: "/admin/dossiers/\(assignment.dossierId).html")
            writer.cell(writer.label("admin_assignment_" + assignment.status))
            writer.cell(assignment.expert)
            writer.cell(assignment.client)
            writer.cell(assignment.product)
            writer.cell(writer.age(assignment.requestedAt))
            writer.cell(writer.days(assignment.slaDays))
            writer.cell(writer.label("admin_sla_" + state), attributes: "data-state=\"\(state)\"")
            writer.html += "</tr>\n"
        }
        return writer.html
    }

    func stepRows(_ steps: ArraySlice<OpenStep>) -> String {
        var writer = RowWriter(views: self)
        for step in steps {
            let state = state(step).rawValue
            writer.html += "<tr data-id=\"\(step.id)\" class=\"sla-\(state)\">"
            writer.cell(String(step.position))
            writer.link(String(step.dossierId), href: "/admin/dossiers/\(step.dossierId).html")
            writer.cell(writer.label("admin_step_" + step.type))
            writer.cell(writer.label("admin_step_status_" + step.status))
            writer.cell(writer.label("admin_role_" + step.assigneeRole))
            writer.cell("\(step.progress) %")
            writer.cell(step.product)
            writer.cell(step.dueAt.map { writer.day($0) } ?? "—")
            writer.cell(writer.age(step.updatedAt))
            writer.cell(writer.label("admin_sla_" + state), attributes: "data-state=\"\(state)\"")
            writer.html += "</tr>\n"
        }
        return writer.html
    }

    func userRows(_ users: ArraySlice<UserActivity>) -> String {
        var writer = RowWriter(views: self)
        for user in users {
            writer.html += "<tr data-id=\"\(user.id)\">"
            writer.cell(user.displayName)
            writer.cell(user.email)
            writer.cell(writer.label("admin_role_" + user.role))
            writer.cell(writer.label(user.active ? "admin_yes" : "admin_no"))
            writer.cell(writer.day(user.createdAt))
            writer.cell(user.lastSeenAt.map { writer.dateTime($0) } ?? writer.label("admin_never"))
            writer.cell(format.integer(user.messages))
            writer.html += "</tr>\n"
        }
        return writer.html
    }

    /// One report table's rows, formatted, and the same rows as spreadsheet cells.
    func reportRows(_ rows: [ReportRow], section: String) -> (view: [TemplateValue], cells: [[Spreadsheet.Cell]]) {
        var view: [TemplateValue] = []
        var cells: [[Spreadsheet.Cell]] = []
        for row in rows {
            view.append([
                "label": .text(row.label), "opened": .text(format.integer(row.opened)), "closed": .text(format.integer(row.closed)),
                "estimated": .text(euros(row.estimatedCents)), "obtained": .text(euros(row.obtainedCents)),
                "response": .text(row.medianResponseSeconds.map(duration) ?? "—"),
                "rating": .text(row.ratingAverage.map { format.decimal($0) } ?? "—"), "ratings": .text(format.integer(row.ratingCount)),
                "breaches": .text(format.integer(row.slaBreaches)), "breached": .flag(row.slaBreaches > 0),
            ])
            cells.append([
                .text(section), .text(row.key), .text(row.label), .number(Double(row.opened)), .number(Double(row.closed)),
                .number(Double(row.estimatedCents) / 100), .number(Double(row.obtainedCents) / 100),
                row.medianResponseSeconds.map { .number(($0 / 3_600 * 10).rounded() / 10) } ?? .empty,
                row.ratingAverage.map { .number(($0 * 100).rounded() / 100) } ?? .empty,
                .number(Double(row.ratingCount)), .number(Double(row.slaBreaches)),
            ])
        }
        return (view, cells)
    }

    /// The spreadsheets' header row, in French; the first two columns hold codes (`experts`,
    /// `products`, `regions`, `total`; an expert's id, a product's code), stable for formulas.
    static let reportColumns = [
        "Section", "Code", "Libellé", "Dossiers ouverts", "Dossiers clos", "Montant estimé (€)", "Montant obtenu (€)",
        "Délai médian de première réponse (h)", "Note moyenne", "Nombre d'avis", "Dépassements de délai",
    ]
}
