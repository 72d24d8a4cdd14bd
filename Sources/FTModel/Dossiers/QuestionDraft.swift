public import Foundation

/// A scheme's eligibility questions as the admins' editor posts them (`/admin/modeles.html`), in
/// the order of the form, each field as typed. `questions()` makes the `EligibilityQuestion`s, or
/// says in French what is wrong, question by question.
public struct QuestionDraft: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var key: String
        public var text: String
        public var kind: String
        /// A choice question's choices, separated by commas.
        public var choices: String
        /// Asked only when the answer to this earlier question…
        public var askedWhenQuestion: String
        /// …is one of these (commas), or for a number question at least this number.
        public var askedWhenAnswers: String
        /// Eligible only with one of these answers (commas; yes-or-no and choice questions).
        public var accepted: String
        /// Eligible only from / up to this number (number questions).
        public var minimum: String
        public var maximum: String
        /// Why an answer that does not meet the requirement makes the dossier ineligible.
        public var refusal: String

        public init(key: String = "", text: String = "", kind: String = EligibilityQuestion.Kind.yesNo.rawValue, choices: String = "",
                    askedWhenQuestion: String = "", askedWhenAnswers: String = "", accepted: String = "", minimum: String = "", maximum: String = "",
                    refusal: String = "") {
            self.key = key
            self.text = text
            self.kind = kind
            self.choices = choices
            self.askedWhenQuestion = askedWhenQuestion
            self.askedWhenAnswers = askedWhenAnswers
            self.accepted = accepted
            self.minimum = minimum
            self.maximum = maximum
            self.refusal = refusal
        }
    }

    /// The most questions a scheme asks.
    public static let maximumQuestions = 20

    public var rows: [Row]

    public init(rows: [Row]) {
        self.rows = rows
    }

    /// The editor's rows for saved questions.
    public init(questions: [EligibilityQuestion]) {
        rows = questions.map { question in
            let when = question.askedWhen?.condition
            return Row(
                key: question.key, text: question.text, kind: question.kind.rawValue, choices: (question.choices ?? []).joined(separator: ", "),
                askedWhenQuestion: question.askedWhen?.question ?? "",
                askedWhenAnswers: when?.anyOf?.joined(separator: ", ") ?? when?.atLeast.map(String.init) ?? "",
                accepted: question.requirement?.anyOf?.joined(separator: ", ") ?? "",
                minimum: question.requirement?.atLeast.map(String.init) ?? "", maximum: question.requirement?.atMost.map(String.init) ?? "",
                refusal: question.refusal ?? ""
            )
        }
    }

    /// The questions, or every problem found. A row left without a key and a text is an empty
    /// slot, skipped.
    public func questions() -> Result<[EligibilityQuestion], WorkflowDraftProblems> {
        var problems: [String] = []
        var questions: [EligibilityQuestion] = []
        // Questions refused: those that depend on them say nothing more (their own problem is said).
        var refused: Set<String> = []
        let kept = rows.filter { !$0.key.trimmingCharacters(in: .whitespaces).isEmpty || !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
        if kept.count > Self.maximumQuestions { problems.append("un dispositif pose au plus \(Self.maximumQuestions) questions, pas \(kept.count)") }
        for (index, row) in kept.enumerated() {
            let name = "question \(index + 1)"
            let key = row.key.trimmingCharacters(in: .whitespaces)
            let text = row.text.trimmingCharacters(in: .whitespacesAndNewlines)
            var found: [String] = []
            if !(1...40).contains(key.count) || !key.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) {
                found.append("\(name) : la clé « \(key.prefix(40)) » s’écrit avec 1 à 40 lettres minuscules sans accent, chiffres ou « _ »")
            } else if questions.contains(where: { $0.key == key }) || refused.contains(key) {
                found.append("\(name) : la clé « \(key) » est déjà celle d’une autre question")
            }
            if !(1...300).contains(text.count) { found.append("\(name) : l’intitulé a 1 à 300 caractères") }
            guard let kind = EligibilityQuestion.Kind(rawValue: row.kind) else {
                problems += found + ["\(name) : type inconnu « \(row.kind.prefix(40)) »"]
                refused.insert(key)
                continue
            }
            let choices = WorkflowDraft.list(row.choices)
            switch kind {
            case .choice:
                if choices.count < 2 { found.append("\(name) : une question à choix en propose au moins deux (séparés par des virgules)") }
                if Set(choices).count != choices.count { found.append("\(name) : un choix y figure deux fois") }
                if choices.contains(where: { $0.count > 100 }) { found.append("\(name) : un choix a au plus 100 caractères") }
            case .yesNo, .number:
                if !choices.isEmpty { found.append("\(name) : seules les questions à choix ont des choix") }
            }
            let answers: [String] = switch kind {
            case .yesNo: ["oui", "non"]
            case .choice: choices
            case .number: []
            }

            var askedWhen: EligibilityQuestion.Dependency?
            var parentRefused = false
            let parentKey = row.askedWhenQuestion.trimmingCharacters(in: .whitespaces)
            if !parentKey.isEmpty {
                if refused.contains(parentKey) {
                    parentRefused = true
                } else if let parent = questions.first(where: { $0.key == parentKey }) {
                    switch Self.condition(row.askedWhenAnswers, for: parent, what: "la condition sur « \(parentKey) »") {
                    case .success(let condition): askedWhen = EligibilityQuestion.Dependency(question: parentKey, condition: condition)
                    case .failure(let problem): found.append("\(name) : \(problem.text)")
                    }
                } else {
                    found.append("\(name) : elle dépend de « \(parentKey.prefix(40)) », qui n’est pas une question posée avant elle")
                }
            }

            var requirement: EligibilityQuestion.Condition?
            let accepted = WorkflowDraft.list(row.accepted)
            let minimum = row.minimum.trimmingCharacters(in: .whitespaces)
            let maximum = row.maximum.trimmingCharacters(in: .whitespaces)
            if kind == .number {
                if !accepted.isEmpty { found.append("\(name) : pour un nombre, dites le minimum ou le maximum plutôt que des réponses") }
                let low = minimum.isEmpty ? nil : Int64(minimum)
                let high = maximum.isEmpty ? nil : Int64(maximum)
                if !minimum.isEmpty && low == nil { found.append("\(name) : le minimum est un nombre entier, pas « \(minimum.prefix(20)) »") }
                if !maximum.isEmpty && high == nil { found.append("\(name) : le maximum est un nombre entier, pas « \(maximum.prefix(20)) »") }
                if let low, let high, low > high { found.append("\(name) : le minimum (\(low)) dépasse le maximum (\(high))") }
                if low != nil || high != nil { requirement = EligibilityQuestion.Condition(atLeast: low, atMost: high) }
            } else {
                if !minimum.isEmpty || !maximum.isEmpty { found.append("\(name) : seul un nombre a un minimum ou un maximum") }
                if let wrong = accepted.first(where: { !answers.contains($0) }) {
                    found.append("\(name) : « \(wrong.prefix(40)) » n’est pas une réponse possible (\(answers.joined(separator: ", ")))")
                } else if !accepted.isEmpty {
                    requirement = EligibilityQuestion.Condition(anyOf: accepted)
                }
            }
            let refusal = row.refusal.trimmingCharacters(in: .whitespacesAndNewlines)
            if refusal.count > 300 { found.append("\(name) : la raison du refus a au plus 300 caractères") }
            if !refusal.isEmpty && requirement == nil && found.isEmpty { found.append("\(name) : une raison de refus sans réponse exigée ne servirait jamais") }
            problems += found
            guard found.isEmpty, !parentRefused else {
                refused.insert(key)
                continue
            }
            questions.append(EligibilityQuestion(
                key: key, text: text, kind: kind, choices: kind == .choice ? choices : nil, askedWhen: askedWhen, requirement: requirement,
                refusal: refusal.isEmpty ? nil : refusal
            ))
        }
        return problems.isEmpty ? .success(questions) : .failure(WorkflowDraftProblems(problems: problems))
    }

    /// A condition on `parent`'s answer: answers it takes (commas), or for a number, the minimum.
    static func condition(_ text: String, for parent: EligibilityQuestion, what: String) -> Result<EligibilityQuestion.Condition, ProblemText> {
        let answers = WorkflowDraft.list(text)
        guard !answers.isEmpty else { return .failure(ProblemText("\(what) ne dit pas quelles réponses")) }
        switch parent.kind {
        case .number:
            guard answers.count == 1, let floor = Int64(answers[0]) else { return .failure(ProblemText("\(what) est un nombre minimal, pas « \(text.prefix(40)) »")) }
            return .success(EligibilityQuestion.Condition(atLeast: floor))
        case .yesNo, .choice:
            let possible = parent.kind == .yesNo ? ["oui", "non"] : (parent.choices ?? [])
            if let wrong = answers.first(where: { !possible.contains($0) }) {
                return .failure(ProblemText("dans \(what), « \(wrong.prefix(40)) » n’est pas une réponse possible (\(possible.joined(separator: ", ")))"))
            }
            return .success(EligibilityQuestion.Condition(anyOf: answers))
        }
    }

    struct ProblemText: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }
}
