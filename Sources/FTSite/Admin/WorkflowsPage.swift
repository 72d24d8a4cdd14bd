public import FTModel
public import FTStore
public import Foundation

/// The admins' workflow templates (`/admin/modeles.html`), rendered on each request by
/// `ft serve`: every scheme with its current version; for one scheme, the editor (its steps as
/// rows to edit, add, remove and reorder — buttons and drag and drop) and a preview of the steps
/// a dossier would get.
public struct WorkflowsPage: Sendable {
    public let configuration: AdminConfiguration

    public init(configuration: AdminConfiguration) {
        self.configuration = configuration
    }

    /// `productId`: the scheme being edited (nil: the list); `draft`: the rows as posted (nil: the
    /// saved template); `preview`: show the steps the draft gives; `saved`: the version just saved.
    public func page(from database: AppDatabase, productId: Int64?, draft: WorkflowDraft?, preview: Bool, savedVersion: Int64?, problems: [String], now: Date) throws -> String? {
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        let views = AdminViews(format: FrenchFormat(strings: templates.strings), now: now)
        var context = views.base(title: views.format.string("admin_workflows_title"), root: "/admin/")
        let schemes = try database.workflowSummaries()
        context["schemes"] = .list(schemes.map { scheme in
            [
                "id": .text(String(scheme.productId)), "name": .text(scheme.name), "code": .text(scheme.code),
                "version": .text(String(scheme.version)), "steps": .text(String(scheme.steps)),
            ]
        })
        guard let productId else { return templates.render(.object(context), template: "workflows") }
        guard let scheme = schemes.first(where: { $0.productId == productId }), let current = try database.workflow(productId: productId) else { return nil }
        let draft = draft ?? WorkflowDraft(productId: productId, template: current.template)
        context["editing"] = ["id": .text(String(productId)), "name": .text(scheme.name), "version": .text(String(current.version))]
        let questionDraft = draft.questions ?? QuestionDraft(questions: current.questions)
        context["question_rows"] = .list(questionDraft.rows.enumerated().map { index, row in questionView(row, token: "q\(index)", format: views.format) })
        context["question_blank"] = questionView(QuestionDraft.Row(), token: "new", format: views.format)
        if let savedVersion { context["notice"] = .text(views.format.fill("admin_workflow_saved", ["version": String(savedVersion)])) }
        context["problems"] = .list(problems.map { .text($0) })
        context["has_problems"] = .flag(!problems.isEmpty)
        context["rows"] = .list(draft.rows.enumerated().map { index, row in rowView(row, token: "r\(index)", format: views.format) })
        context["blank"] = rowView(WorkflowDraft.Row(), token: "new", format: views.format)
        if preview, problems.isEmpty, case .success(let template) = draft.template() {
            let answers = Self.eligibleAnswers((try? questionDraft.questions().get()) ?? current.questions)
            let amount: Int64 = 30_000
            let planned = template.plan(answers: answers, amount: amount, start: now)
            context["preview"] = .list(planned.map { step in
                [
                    "position": .text(String(step.position)), "title": .text(step.step.title),
                    "assignee": .text(views.format.string("admin_workflow_role_" + step.step.assignee.rawValue)),
                    "waits": .text(step.dependsOn.isEmpty ? "—" : step.dependsOn.map(String.init).joined(separator: ", ")),
                    "due": .text(views.format.fill("admin_workflow_due", ["days": String(Int((step.dueAt.timeIntervalSince(now) / 86_400).rounded()))])),
                ]
            })
            context["preview_note"] = .text(views.format.fill("admin_workflow_preview_note", ["amount": FrenchNumber.grouped(amount), "count": String(planned.count), "all": String(template.steps.count)]))
        }
        return templates.render(.object(context), template: "workflows")
    }

    /// One row of the editor: its fields, named after `token` (the form keeps the rows' order).
    func rowView(_ row: WorkflowDraft.Row, token: String, format: FrenchFormat) -> TemplateValue {
        [
            "token": .text(token), "key": .text(row.key), "title": .text(row.title), "sla": .text(row.slaDays),
            "depends": .text(row.dependsOn), "amount": .text(row.amountAtLeast), "question": .text(row.question), "answers": .text(row.answers),
            "types": .list(StepType.allCases.map { type in
                ["value": .text(type.rawValue), "label": .text(format.string("admin_workflow_type_" + type.rawValue)), "selected": .flag(type.rawValue == row.type)]
            }),
            "assignees": .list(Role.allCases.map { role in
                ["value": .text(role.rawValue), "label": .text(format.string("admin_workflow_role_" + role.rawValue)), "selected": .flag(role.rawValue == row.assignee)]
            }),
            "documents": .list(DocumentCategory.allCases.map { category in
                ["value": .text(category.rawValue), "label": .text(format.string("app_category_" + category.rawValue)), "checked": .flag(row.documents.contains(category.rawValue))]
            }),
        ]
    }

    /// One question of the editor: its fields, named after `token`.
    func questionView(_ row: QuestionDraft.Row, token: String, format: FrenchFormat) -> TemplateValue {
        [
            "token": .text(token), "key": .text(row.key), "text": .text(row.text), "choices": .text(row.choices), "when": .text(row.askedWhenQuestion),
            "when_answers": .text(row.askedWhenAnswers), "accepted": .text(row.accepted), "min": .text(row.minimum), "max": .text(row.maximum),
            "refusal": .text(row.refusal),
            "kinds": .list(EligibilityQuestion.Kind.allCases.map { kind in
                ["value": .text(kind.rawValue), "label": .text(format.string("admin_question_kind_" + kind.rawValue)), "selected": .flag(kind.rawValue == row.kind)]
            }),
        ]
    }

    /// Answers that meet every question's requirement, each given when it is asked: the preview
    /// shows the steps of an eligible dossier.
    static func eligibleAnswers(_ questions: [EligibilityQuestion]) -> [String: String] {
        var answers: [String: String] = [:]
        // Each answer may ask a question more: until every question asked is answered.
        while let question = Eligibility.asked(questions, answers: answers).first(where: { answers[$0.key] == nil }) {
            switch question.kind {
            case .yesNo: answers[question.key] = question.requirement?.anyOf?.first ?? "oui"
            case .number: answers[question.key] = String(max(question.requirement?.atLeast ?? 1, 1) * 10)
            case .choice: answers[question.key] = question.choices?.first ?? ""
            }
        }
        return answers
    }
}
