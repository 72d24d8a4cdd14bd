public import FTModel
public import FTStore
public import Foundation

/// One dossier as the admins see it (`/admin/dossiers/{id}.html`), rendered on each request by
/// `ft serve`: what it is, who has it, its steps and history, and the form that gives it to
/// another expert — one the scheme's rules rank (with why), any other by number, or the next by
/// the rules.
public struct DossierPage: Sendable {
    public let configuration: AdminConfiguration

    public init(configuration: AdminConfiguration) {
        self.configuration = configuration
    }

    /// Nil: no such dossier. `notice`: what was just done; `problem`: why a form was refused.
    public func page(from database: AppDatabase, id: Int64, csrf: String, now: Date, notice: String? = nil, problem: String? = nil) throws -> String? {
        guard let dossier = try database.dossierOverview(id) else { return nil }
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        let views = AdminViews(format: FrenchFormat(strings: templates.strings), now: now)
        let format = views.format
        var context = views.base(title: format.fill("admin_dossier_title", ["id": String(id)]), root: "/admin/")
        context["csrf"] = .text(csrf)
        context["id"] = .text(String(id))
        if let notice { context["notice"] = .text(notice) }
        if let problem { context["problem"] = .text(problem) }
        context["facts"] = [
            "scheme": .text(dossier.scheme), "company": .text(dossier.company), "region": .text(dossier.clientRegion),
            "status": .text(format.string("admin_status_" + dossier.status)), "amount": .text(views.euros(dossier.estimatedCents)),
            "created": .text(views.dateTime(dossier.createdAt)), "description": .text(dossier.description),
        ]
        if let current = dossier.current {
            var line = format.fill("admin_dossier_current", ["expert": current.expert, "status": format.string("admin_assignment_" + current.status)])
            if current.status == "pending", let expires = current.offerExpiresAt {
                line += " " + format.fill("admin_dossier_offer_expires", ["date": views.dateTime(expires)])
            }
            context["current"] = .text(line)
        }
        context["open"] = .flag(dossier.isOpen)
        context["candidates"] = .list(dossier.candidates.enumerated().map { index, ranked in
            [
                "id": .text(String(ranked.candidate.expertId)), "name": .text(ranked.candidate.name), "reason": .text(ranked.reason),
                "rank": .text(String(index + 1)),
            ]
        })
        context["has_candidates"] = .flag(!dossier.candidates.isEmpty)
        context["assignments"] = .list(dossier.assignments.map { assignment in
            [
                "expert": .text(assignment.expert), "expert_id": .text(String(assignment.expertId)),
                "status": .text(format.string("admin_assignment_" + assignment.status)), "date": .text(views.dateTime(assignment.requestedAt)),
            ]
        })
        context["has_assignments"] = .flag(!dossier.assignments.isEmpty)
        context["steps"] = .list(dossier.steps.map { step in
            [
                "position": .text(String(step.position)), "title": .text(step.title),
                "status": .text(format.string("admin_step_status_" + step.status)), "assignee": .text(format.string("admin_role_" + step.assigneeRole)),
                "due": .text(step.dueAt.map { format.day($0) } ?? "—"),
            ]
        })
        context["has_steps"] = .flag(!dossier.steps.isEmpty)
        context["events"] = .list(dossier.events.map { event in
            ["date": .text(views.dateTime(event.at)), "text": .text(event.text), "actor": .text(event.actor ?? format.string("admin_audit_system"))]
        })
        return templates.render(.object(context), template: "dossier")
    }
}
