internal import FTModel

/// Each demo scheme's eligibility questions and workflow: the facts a consultancy checks before
/// taking a dossier on ("vos véhicules pèsent-ils 7,5 tonnes ou plus ?"), and the steps it then
/// goes through. Schemes without their own workflow get the standard five steps.
enum FrenchSchemeWorkflows {
    typealias Question = EligibilityQuestion
    typealias Step = WorkflowTemplate.Step

    static let yes = EligibilityQuestion.Condition(anyOf: ["oui"])

    static func questions(for code: String) -> [Question] {
        switch code {
        case "TICPE":
            return [
                Question(key: "transport", text: "Exploitez-vous des véhicules de transport routier de marchandises ou de voyageurs ?", kind: .yesNo,
                         requirement: yes, refusal: "Le remboursement de TICPE concerne les entreprises de transport routier."),
                Question(key: "poids", text: "Vos véhicules de marchandises pèsent-ils 7,5 tonnes ou plus (ou s’agit-il d’autocars) ?", kind: .yesNo,
                         askedWhen: .init(question: "transport", condition: yes), requirement: yes,
                         refusal: "Seuls les véhicules de 7,5 tonnes et plus et les autocars ouvrent droit au remboursement."),
                Question(key: "litres", text: "Combien de litres de gazole achetez-vous par an ?", kind: .number,
                         askedWhen: .init(question: "poids", condition: yes), requirement: .init(atLeast: 5_000),
                         refusal: "En dessous de 5 000 litres par an, la demande ne couvre pas ses frais."),
                Question(key: "flotte", text: "Votre flotte", kind: .choice, choices: ["Camions", "Autocars", "Les deux"],
                         askedWhen: .init(question: "poids", condition: yes)),
            ]
        case "TICPE-AGRI":
            return [
                Question(key: "agricole", text: "Êtes-vous exploitant agricole (ou une CUMA, une ETA) ?", kind: .yesNo,
                         requirement: yes, refusal: "Ce remboursement est réservé aux exploitations agricoles."),
                Question(key: "gnr", text: "Achetez-vous du gazole non routier, du fioul ou du gaz pour l’exploitation ?", kind: .yesNo,
                         askedWhen: .init(question: "agricole", condition: yes), requirement: yes,
                         refusal: "Sans achat de GNR, de fioul ou de gaz, il n’y a rien à rembourser."),
            ]
        case "URSSAF", "RGCP", "DFS", "ATMP":
            return [
                Question(key: "salaries", text: "Combien de salariés votre entreprise emploie-t-elle ?", kind: .number,
                         requirement: .init(atLeast: 1), refusal: "Sans salarié, il n’y a pas de cotisations patronales à revoir."),
                Question(key: "controle", text: "Un contrôle URSSAF est-il en cours ?", kind: .yesNo,
                         requirement: .init(anyOf: ["non"]), refusal: "Pendant un contrôle en cours, la demande attend sa conclusion."),
            ]
        case "CIR", "CII", "JEI":
            return [
                Question(key: "projets", text: "Menez-vous des projets de recherche ou d’innovation avec du personnel dédié ?", kind: .yesNo,
                         requirement: yes, refusal: "Le dispositif finance des travaux de recherche ou d’innovation réalisés en interne."),
                Question(key: "depenses", text: "Dépenses annuelles de R&D ou d’innovation (en euros)", kind: .number,
                         askedWhen: .init(question: "projets", condition: yes), requirement: .init(atLeast: 10_000),
                         refusal: "En dessous de 10 000 € de dépenses par an, le dossier ne couvre pas ses frais."),
            ]
        case "CEE":
            return [
                Question(key: "travaux", text: "Avez-vous des travaux d’économies d’énergie prévus ou réalisés depuis moins d’un an ?", kind: .yesNo,
                         requirement: yes, refusal: "Les certificats se demandent pour des travaux prévus ou récents."),
                Question(key: "signe", text: "Le devis est-il déjà signé ?", kind: .yesNo, askedWhen: .init(question: "travaux", condition: yes),
                         requirement: .init(anyOf: ["non"]), refusal: "La prime doit être engagée avant la signature du devis."),
            ]
        case "TF", "CFE":
            return [
                Question(key: "proprietaire", text: "Êtes-vous propriétaire ou occupant de locaux professionnels ?", kind: .yesNo,
                         requirement: yes, refusal: "Le dispositif concerne les locaux professionnels que vous possédez ou occupez."),
            ]
        default:
            return [
                Question(key: "france", text: "Votre entreprise est-elle établie en France ?", kind: .yesNo,
                         requirement: yes, refusal: "Ce dispositif est réservé aux entreprises établies en France."),
            ]
        }
    }

    static func template(for code: String, slaDays: Int) -> WorkflowTemplate {
        guard code == "TICPE" else { return .standard(slaDays: slaDays) }
        return WorkflowTemplate(steps: [
            Step(key: "validation", type: .validation, title: "Validation de l’éligibilité", assignee: .admin, slaDays: 5),
            Step(key: "factures", type: .documentation, title: "Factures de carburant des trois dernières années", assignee: .client, slaDays: 15,
                 documents: [.invoice], dependsOn: ["validation"]),
            Step(key: "cartes_grises", type: .documentation, title: "Cartes grises des véhicules", assignee: .client, slaDays: 15,
                 documents: [.certificate], dependsOn: ["validation"]),
            Step(key: "calcul", type: .expertise, title: "Reconstitution des volumes et calcul du remboursement", assignee: .expert, slaDays: 15,
                 documents: [.report], dependsOn: ["factures", "cartes_grises"]),
            Step(key: "contre_verification", type: .validation, title: "Contre-vérification (dossier de plus de 50 000 €)", assignee: .admin, slaDays: 5,
                 condition: .init(amountAtLeast: 50_000), dependsOn: ["calcul"]),
            Step(key: "depot", type: .approval, title: "Dépôt auprès de la douane et suivi", assignee: .expert, slaDays: 20, dependsOn: ["contre_verification"]),
            Step(key: "versement", type: .payment, title: "Remboursement et honoraires", assignee: .admin, slaDays: 10, dependsOn: ["depot"]),
        ])
    }
}
