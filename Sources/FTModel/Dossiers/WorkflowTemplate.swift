public import Foundation

/// A scheme's workflow: the ordered steps a new dossier gets. Versioned: a dossier keeps the
/// version it was opened with; an admin's edit makes the next version, for new dossiers only.
public struct WorkflowTemplate: Sendable, Codable, Equatable {
    /// One step of the template.
    public struct Step: Sendable, Codable, Equatable {
        /// Stable within the template (`[a-z0-9_]`, 1–40 characters): what dependencies name.
        public var key: String
        public var type: StepType
        public var title: String
        public var assignee: Role
        /// Days from the moment the step can start (its dependencies done, or the dossier opened).
        public var slaDays: Int
        /// Document categories the step needs (what the app shows as missing).
        public var documents: [DocumentCategory]
        /// The step exists only when this holds.
        public var condition: StepCondition?
        /// Keys of earlier steps that must be completed first; none: it may start at once
        /// (parallel to the others without dependencies).
        public var dependsOn: [String]

        public init(key: String, type: StepType, title: String, assignee: Role, slaDays: Int, documents: [DocumentCategory] = [], condition: StepCondition? = nil, dependsOn: [String] = []) {
            self.key = key
            self.type = type
            self.title = title
            self.assignee = assignee
            self.slaDays = slaDays
            self.documents = documents
            self.condition = condition
            self.dependsOn = dependsOn
        }
    }

    /// When a step applies: an answer meets a condition, or the estimated amount reaches a floor.
    public struct StepCondition: Sendable, Codable, Equatable {
        public var question: String?
        public var answer: EligibilityQuestion.Condition?
        /// In euros.
        public var amountAtLeast: Int64?

        public init(question: String? = nil, answer: EligibilityQuestion.Condition? = nil, amountAtLeast: Int64? = nil) {
            self.question = question
            self.answer = answer
            self.amountAtLeast = amountAtLeast
        }

        func holds(answers: [String: String], amount: Int64) -> Bool {
            if let amountAtLeast, amount < amountAtLeast { return false }
            if let question, let answer {
                guard let given = answers[question], answer.holds(for: given) else { return false }
            }
            return true
        }
    }

    public var steps: [Step]

    public init(steps: [Step]) {
        self.steps = steps
    }

    /// The most steps a template holds.
    public static let maximumSteps = 30

    /// What is wrong with the template, in French, naming the step: keys, titles, delays, and
    /// dependencies (an unknown or later step, or a cycle).
    public func problems() -> [String] {
        var problems: [String] = []
        if steps.isEmpty { problems.append("un modèle a au moins une étape") }
        if steps.count > Self.maximumSteps { problems.append("un modèle a au plus \(Self.maximumSteps) étapes") }
        var seen: Set<String> = []
        for (index, step) in steps.enumerated() {
            let name = "étape \(index + 1)"
            if !Self.isKey(step.key) { problems.append("\(name) : la clé est de 1 à 40 lettres minuscules, chiffres ou « _ »") }
            if !seen.insert(step.key).inserted { problems.append("\(name) : la clé « \(step.key) » est déjà prise") }
            let title = step.title.trimmingCharacters(in: .whitespacesAndNewlines)
            if title.isEmpty || title.count > 120 { problems.append("\(name) : le titre a de 1 à 120 caractères") }
            if !(1...365).contains(step.slaDays) { problems.append("\(name) : le délai est de 1 à 365 jours") }
            for dependency in step.dependsOn {
                if dependency == step.key {
                    problems.append("\(name) : une étape ne peut dépendre d’elle-même")
                } else if let target = steps.firstIndex(where: { $0.key == dependency }) {
                    // Dependencies point back: what a step waits for comes before it, so no cycle can form.
                    if target > index { problems.append("\(name) : elle dépend de « \(dependency) », qui vient après elle (cycle)") }
                } else {
                    problems.append("\(name) : elle dépend de « \(dependency) », qui n’existe pas")
                }
            }
        }
        return problems
    }

    static func isKey(_ key: String) -> Bool {
        (1...40).contains(key.utf8.count) && key.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    /// One step as a dossier gets it: its position (from 1), the positions it waits for, and
    /// its due date.
    public struct Planned: Sendable, Equatable {
        public var position: Int
        public var step: Step
        public var dependsOn: [Int]
        public var dueAt: Date
    }

    /// The steps a dossier with these answers and this amount gets, opened at `start`: steps
    /// whose condition fails are left out, and whoever waited for one waits for what it waited
    /// for instead. A step is due its delay after the latest due date of what it waits for.
    public func plan(answers: [String: String], amount: Int64, start: Date) -> [Planned] {
        var kept: [String: Int] = [:]
        // For a step left out: the kept steps it stood for.
        var standsFor: [String: [String]] = [:]
        var due: [String: Date] = [:]
        var planned: [Planned] = []
        for step in steps {
            var waits: [String] = []
            for dependency in step.dependsOn {
                for key in kept[dependency] != nil ? [dependency] : standsFor[dependency] ?? [] where !waits.contains(key) {
                    waits.append(key)
                }
            }
            guard step.condition?.holds(answers: answers, amount: amount) ?? true else {
                standsFor[step.key] = waits
                continue
            }
            let from = waits.compactMap { due[$0] }.max() ?? start
            let dueAt = from.addingTimeInterval(Double(step.slaDays) * 86_400)
            due[step.key] = dueAt
            kept[step.key] = planned.count + 1
            planned.append(Planned(position: planned.count + 1, step: step, dependsOn: waits.compactMap { kept[$0] }.sorted(), dueAt: dueAt))
        }
        return planned
    }

    /// The five steps every dossier had before templates: still each scheme's first version.
    public static func standard(slaDays: Int) -> WorkflowTemplate {
        let part = max(1, slaDays / 5)
        return WorkflowTemplate(steps: [
            Step(key: "validation", type: .validation, title: "Validation de l’éligibilité", assignee: .admin, slaDays: part),
            Step(key: "documents", type: .documentation, title: "Pièces justificatives", assignee: .client, slaDays: part, documents: [.invoice], dependsOn: ["validation"]),
            Step(key: "expertise", type: .expertise, title: "Analyse de l’expert", assignee: .expert, slaDays: part, documents: [.report], dependsOn: ["documents"]),
            Step(key: "approval", type: .approval, title: "Dépôt et accord de l’administration", assignee: .admin, slaDays: part, dependsOn: ["expertise"]),
            Step(key: "payment", type: .payment, title: "Versement et honoraires", assignee: .admin, slaDays: part, dependsOn: ["approval"]),
        ])
    }
}
