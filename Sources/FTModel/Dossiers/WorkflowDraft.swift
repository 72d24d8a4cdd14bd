public import Foundation

/// A scheme's workflow as the admins' editor posts it (`/admin/modeles.html`): the steps in the
/// order of the form, each field as typed. `template()` makes the `WorkflowTemplate`, or says in
/// French what is wrong, step by step.
public struct WorkflowDraft: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var key: String
        public var title: String
        public var type: String
        public var assignee: String
        public var slaDays: String
        public var documents: [String]
        /// Keys of the steps it waits for, separated by commas.
        public var dependsOn: String
        /// The step applies from this estimated amount (euros); empty: always.
        public var amountAtLeast: String
        /// The step applies when this question's answer is one of `answers`; empty: always.
        public var question: String
        /// Answers separated by commas.
        public var answers: String

        public init(key: String = "", title: String = "", type: String = StepType.documentation.rawValue, assignee: String = Role.client.rawValue,
                    slaDays: String = "10", documents: [String] = [], dependsOn: String = "", amountAtLeast: String = "", question: String = "", answers: String = "") {
            self.key = key
            self.title = title
            self.type = type
            self.assignee = assignee
            self.slaDays = slaDays
            self.documents = documents
            self.dependsOn = dependsOn
            self.amountAtLeast = amountAtLeast
            self.question = question
            self.answers = answers
        }
    }

    public var productId: Int64
    public var rows: [Row]
    /// The scheme's questions as posted; nil: the form did not carry them (kept as saved).
    public var questions: QuestionDraft?

    public init(productId: Int64, rows: [Row], questions: QuestionDraft? = nil) {
        self.productId = productId
        self.rows = rows
        self.questions = questions
    }

    /// The editor's rows for a saved template.
    public init(productId: Int64, template: WorkflowTemplate) {
        self.productId = productId
        rows = template.steps.map { step in
            Row(
                key: step.key, title: step.title, type: step.type.rawValue, assignee: step.assignee.rawValue, slaDays: String(step.slaDays),
                documents: step.documents.map(\.rawValue), dependsOn: step.dependsOn.joined(separator: ", "),
                amountAtLeast: step.condition?.amountAtLeast.map(String.init) ?? "", question: step.condition?.question ?? "",
                answers: step.condition?.answer?.anyOf?.joined(separator: ", ") ?? ""
            )
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The template, or every problem found (the form's own, then `WorkflowTemplate.problems()`).
    /// A row left without a title and a key is an empty slot, skipped.
    public func template() -> Result<WorkflowTemplate, WorkflowDraftProblems> {
        var problems: [String] = []
        var steps: [WorkflowTemplate.Step] = []
        let kept = rows.filter { !$0.title.trimmingCharacters(in: .whitespaces).isEmpty || !$0.key.trimmingCharacters(in: .whitespaces).isEmpty }
        for (index, row) in kept.enumerated() {
            let name = "étape \(index + 1)"
            guard let type = StepType(rawValue: row.type) else {
                problems.append("\(name) : type inconnu « \(row.type) »")
                continue
            }
            guard let assignee = Role(rawValue: row.assignee) else {
                problems.append("\(name) : rôle inconnu « \(row.assignee) »")
                continue
            }
            guard let sla = Int(row.slaDays.trimmingCharacters(in: .whitespaces)) else {
                problems.append("\(name) : le délai est un nombre de jours, pas « \(row.slaDays) »")
                continue
            }
            var documents: [DocumentCategory] = []
            for raw in row.documents {
                guard let category = DocumentCategory(rawValue: raw) else {
                    problems.append("\(name) : catégorie de document inconnue « \(raw) »")
                    continue
                }
                if !documents.contains(category) { documents.append(category) }
            }
            var condition: WorkflowTemplate.StepCondition?
            let amount = row.amountAtLeast.trimmingCharacters(in: .whitespaces)
            if !amount.isEmpty {
                guard let floor = Int64(amount), floor >= 0 else {
                    problems.append("\(name) : le montant minimal est un nombre d’euros, pas « \(amount) »")
                    continue
                }
                condition = WorkflowTemplate.StepCondition(amountAtLeast: floor)
            }
            let question = row.question.trimmingCharacters(in: .whitespaces)
            if !question.isEmpty {
                let answers = Self.list(row.answers)
                if answers.isEmpty {
                    problems.append("\(name) : dites pour quelles réponses à « \(question) » l’étape s’applique")
                    continue
                }
                var both = condition ?? WorkflowTemplate.StepCondition()
                both.question = question
                both.answer = EligibilityQuestion.Condition(anyOf: answers)
                condition = both
            }
            steps.append(WorkflowTemplate.Step(
                key: row.key.trimmingCharacters(in: .whitespaces), type: type, title: row.title.trimmingCharacters(in: .whitespaces),
                assignee: assignee, slaDays: sla, documents: documents, condition: condition, dependsOn: Self.list(row.dependsOn)
            ))
        }
        let template = WorkflowTemplate(steps: steps)
        problems += template.problems()
        return problems.isEmpty ? .success(template) : .failure(WorkflowDraftProblems(problems: problems))
    }
}

/// What is wrong with a posted workflow, in French.
public struct WorkflowDraftProblems: Error, Sendable, Equatable {
    public var problems: [String]
}
