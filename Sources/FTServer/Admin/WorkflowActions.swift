internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore

/// The workflow editor's forms (`/admin/modeles.html?dispositif=N`): preview the steps a dossier
/// would get, or save the questions and the steps as the scheme's next version.
enum WorkflowAction: String, CaseIterable {
    case preview = "apercu"
    case save = "enregistrer"
}

extension AdminController {
    /// A form posted by a signed-in admin (the same checks as the announcements'). Previewed: 200,
    /// the editor with the steps; saved: 303 back to the editor, which says which version; refused:
    /// 400, the editor with the rows as typed and every problem.
    @Sendable func editWorkflow(_ action: WorkflowAction, request: Request, context: AppRequestContext) async throws -> Response {
        guard let workflows else { return Self.page(.notFound, AdminPages.notFound) }
        let admin: Int64
        let form: [String: [String]]
        switch try await postedForm(request, tooLarge: { try workflows(nil, nil, false, nil, [$0]) ?? $0 }) {
        case .success(let posted): (admin, form) = posted
        case .failure(let refusal): return refusal.response
        }
        guard let product = form["product"]?.first.flatMap({ Int64($0) }) else {
            return Self.page(.badRequest, try workflows(nil, nil, false, nil, ["Dispositif manquant (champ « product »)."]) ?? "")
        }
        let draft = Self.workflowDraft(product: product, form: form)
        func show(_ status: HTTPResponse.Status, preview: Bool, problems: [String]) throws -> Response {
            guard let page = try workflows(product, draft, preview, nil, problems) else { return Self.page(.notFound, AdminPages.notFound) }
            return Self.page(status, page)
        }
        guard let current = try database.workflow(productId: product) else { return Self.page(.notFound, AdminPages.notFound) }
        // The questions first: a step's condition is read against them.
        var questions = current.questions
        var problems: [String] = []
        if let posted = draft.questions {
            switch posted.questions() {
            case .success(let made): questions = made
            case .failure(let found): problems += found.problems
            }
        }
        let template: WorkflowTemplate
        switch draft.template() {
        case .success(let made): template = made
        case .failure(let found): return try show(.badRequest, preview: false, problems: problems + found.problems)
        }
        guard problems.isEmpty else { return try show(.badRequest, preview: false, problems: problems) }
        switch action {
        case .preview:
            return try show(.ok, preview: true, problems: [])
        case .save:
            do {
                let version = try database.saveWorkflow(productId: product, questions: questions, template: template, by: admin, now: now())
                // The app's "Nouveau dossier" page carries the questions: the site follows.
                onCommit()
                return Response(status: .seeOther, headers: [.location: "/admin/modeles.html?dispositif=\(product)&version=\(version)", .cacheControl: "no-store"])
            } catch let refused as WorkflowProblems {
                return try show(.badRequest, preview: false, problems: refused.problems)
            }
        }
    }

    /// The rows in the order the form lists them (`row`, one token per row), each field named
    /// after its row's token; a row marked `remove_<token>` is left out.
    static func workflowDraft(product: Int64, form: [String: [String]]) -> WorkflowDraft {
        let rows = (form["row"] ?? []).prefix(WorkflowTemplate.maximumSteps + 5).compactMap { token -> WorkflowDraft.Row? in
            guard !token.isEmpty, token.count <= 20, form["remove_\(token)"] == nil else { return nil }
            func field(_ name: String) -> String { String((form["\(name)_\(token)"]?.first ?? "").prefix(300)) }
            return WorkflowDraft.Row(
                key: field("key"), title: field("title"), type: field("type"), assignee: field("assignee"), slaDays: field("sla"),
                documents: form["documents_\(token)"] ?? [], dependsOn: field("depends"), amountAtLeast: field("amount"),
                question: field("question"), answers: field("answers")
            )
        }
        // The questions' rows (`qrow`, fields `q<name>_<token>`), when the form carries them.
        let questions = form["questions_present"] == nil ? nil : QuestionDraft(rows: (form["qrow"] ?? []).prefix(QuestionDraft.maximumQuestions + 5).compactMap { token in
            guard !token.isEmpty, token.count <= 20, form["qremove_\(token)"] == nil else { return nil }
            func field(_ name: String) -> String { String((form["q\(name)_\(token)"]?.first ?? "").prefix(300)) }
            return QuestionDraft.Row(
                key: field("key"), text: field("text"), kind: field("kind"), choices: field("choices"), askedWhenQuestion: field("when"),
                askedWhenAnswers: field("whenanswers"), accepted: field("accepted"), minimum: field("min"), maximum: field("max"), refusal: field("refusal")
            )
        })
        return WorkflowDraft(productId: product, rows: rows, questions: questions)
    }
}
