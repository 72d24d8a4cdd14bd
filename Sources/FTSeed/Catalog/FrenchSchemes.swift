/// Real French tax, social, energy and funding schemes a cost-recovery consultancy
/// typically works on, seeded as eligible products.
enum FrenchSchemes {
    static let all: [DemoScheme] = [
        DemoScheme(
            code: "TICPE",
            name: "Remboursement partiel de la TICPE sur le gazole professionnel",
            category: "tax",
            description: "Les entreprises de transport routier de marchandises exploitant des véhicules de 7,5 tonnes et plus, ainsi que les transporteurs de voyageurs par autocar, peuvent obtenir le remboursement partiel de la taxe intérieure de consommation sur les produits énergétiques acquittée sur leur gazole. La demande est déposée par semestre auprès de la douane, et les périodes oubliées peuvent encore être réclamées dans la limite du délai de prescription.",
            slaDays: 60,
            typicalAmount: 3_000...80_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Représentant en douane enregistré", "Diplôme d'expertise comptable (DEC)"]
        ),
        DemoScheme(
            code: "TICPE-AGRI",
            name: "Remboursement de TICPE et TICGN pour les exploitants agricoles",
            category: "agriculture",
            description: "Les exploitants agricoles peuvent obtenir le remboursement partiel des taxes intérieures de consommation acquittées sur le gazole non routier, le fioul lourd et le gaz naturel utilisés pour leur activité. La demande se fait en ligne depuis l'espace professionnel impots.gouv.fr à partir des factures d'achat de l'exercice. Nous reconstituons les volumes et vérifions qu'aucune campagne n'a été oubliée.",
            slaDays: 45,
            typicalAmount: 800...15_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Ingénieur agronome", "BTS Analyse, conduite et stratégie de l'entreprise agricole (ACSE)"]
        ),
        DemoScheme(
            code: "URSSAF",
            name: "Audit des cotisations sociales URSSAF",
            category: "social",
            description: "L'audit passe en revue les bulletins de paie et les déclarations sociales nominatives pour détecter les cotisations patronales versées à tort : assiettes erronées, taux mal appliqués, exonérations non prises en compte. Les sommes indûment versées peuvent être réclamées à l'URSSAF sur les trois dernières années civiles.",
            slaDays: 90,
            typicalAmount: 5_000...150_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Avocat en droit de la sécurité sociale", "Gestionnaire de paie certifié", "Master Droit social"]
        ),
        DemoScheme(
            code: "ATMP",
            name: "Optimisation du taux accidents du travail et maladies professionnelles",
            category: "social",
            description: "Le taux de cotisation AT/MP est notifié chaque année par la CARSAT en fonction des sinistres imputés à l'établissement et de son mode de tarification. Nous vérifions les sinistres retenus, le code risque et le calcul du taux, puis contestons les erreurs devant la commission de recours amiable afin d'obtenir un nouveau taux et le remboursement du trop-versé.",
            slaDays: 120,
            typicalAmount: 3_000...100_000,
            certifications: ["Avocat en droit de la sécurité sociale", "Expert-comptable inscrit à l'Ordre", "Ingénieur prévention HSE"]
        ),
        DemoScheme(
            code: "DFS",
            name: "Déduction forfaitaire spécifique pour frais professionnels",
            category: "social",
            description: "Certaines professions, comme les ouvriers du bâtiment, les VRP ou les journalistes, ouvrent droit à un abattement forfaitaire sur l'assiette des cotisations sociales. Nous vérifions l'éligibilité des salariés, le recueil de leur accord et l'application correcte du taux et du plafond. Les périodes non prescrites sont ensuite régularisées auprès de l'URSSAF.",
            slaDays: 75,
            typicalAmount: 3_000...60_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Gestionnaire de paie certifié", "Avocat en droit de la sécurité sociale"]
        ),
        DemoScheme(
            code: "RGCP",
            name: "Réduction générale des cotisations patronales (ex-réduction Fillon)",
            category: "social",
            description: "La réduction générale allège les cotisations patronales dues sur les rémunérations proches du SMIC. Son calcul, qui dépend du temps de travail, des heures supplémentaires et des absences, est souvent mal paramétré dans les logiciels de paie. Nous recalculons la réduction salarié par salarié et réclamons les montants non appliqués sur les trois dernières années.",
            slaDays: 60,
            typicalAmount: 2_000...80_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Gestionnaire de paie certifié", "Commissaire aux comptes"]
        ),
        DemoScheme(
            code: "CEE",
            name: "Certificats d'économies d'énergie",
            category: "energy",
            description: "Les entreprises qui réalisent des travaux d'efficacité énergétique (isolation, éclairage LED, variateurs de vitesse, récupération de chaleur) peuvent percevoir une prime financée par les fournisseurs d'énergie dans le cadre du dispositif CEE. Les travaux doivent correspondre à une fiche d'opération standardisée et l'engagement doit être pris avant la signature du devis.",
            slaDays: 120,
            typicalAmount: 5_000...300_000,
            certifications: ["Certification RGE", "Auditeur énergétique qualifié OPQIBI", "Ingénieur thermicien", "Auditeur ISO 50001"]
        ),
        DemoScheme(
            code: "ACCISE-ELEC",
            name: "Accise sur l'électricité (ex-TICFE / CSPE) : tarifs réduits et exonérations",
            category: "energy",
            description: "L'accise sur l'électricité, qui a remplacé la TICFE et l'ancienne CSPE, prévoit des tarifs réduits pour les entreprises électro-intensives, les centres de stockage de données et certains procédés industriels comme l'électrolyse ou la métallurgie. Nous vérifions l'éligibilité de chaque site, préparons les attestations à transmettre au fournisseur et réclamons l'accise payée en trop sur les factures passées.",
            slaDays: 90,
            typicalAmount: 10_000...500_000,
            certifications: ["Auditeur énergétique qualifié OPQIBI", "Ingénieur énergéticien", "Avocat fiscaliste"]
        ),
        DemoScheme(
            code: "TF",
            name: "Taxe foncière : révision de la valeur locative des locaux professionnels",
            category: "property",
            description: "Depuis la révision des valeurs locatives des locaux professionnels, la taxe foncière dépend de la catégorie du local, de sa surface pondérée et du secteur tarifaire. Les erreurs de classement ou de surface sont fréquentes et peuvent être contestées par réclamation auprès du service des impôts fonciers jusqu'au 31 décembre de l'année suivant la mise en recouvrement.",
            slaDays: 120,
            typicalAmount: 2_000...100_000,
            certifications: ["Avocat fiscaliste", "Géomètre-expert inscrit à l'Ordre", "Expert immobilier certifié REV", "Membre de la RICS (MRICS)"]
        ),
        DemoScheme(
            code: "CFE",
            name: "Cotisation foncière des entreprises",
            category: "tax",
            description: "La CFE est calculée sur la valeur locative des biens immobiliers utilisés par l'entreprise. Une erreur sur cette base, une exonération ou une réduction non appliquée, ou un plafonnement de la contribution économique territoriale en fonction de la valeur ajoutée non demandé ouvrent droit à un dégrèvement.",
            slaDays: 90,
            typicalAmount: 1_000...50_000,
            certifications: ["Avocat fiscaliste", "Expert-comptable inscrit à l'Ordre", "Diplôme d'expertise comptable (DEC)"]
        ),
        DemoScheme(
            code: "TSB",
            name: "Taxe annuelle sur les bureaux en Île-de-France",
            category: "property",
            description: "La taxe sur les bureaux frappe les locaux à usage de bureaux, les locaux commerciaux, les locaux de stockage et les surfaces de stationnement situés en Île-de-France, à un tarif qui dépend de la circonscription. Les surfaces déclarées, la zone retenue et les seuils d'exonération, par exemple pour les bureaux de moins de 100 m², sont souvent à corriger.",
            slaDays: 90,
            typicalAmount: 2_000...150_000,
            certifications: ["Avocat fiscaliste", "Géomètre-expert inscrit à l'Ordre", "Membre de la RICS (MRICS)"]
        ),
        DemoScheme(
            code: "MSA",
            name: "Audit des cotisations agricoles MSA",
            category: "agriculture",
            description: "Les cotisations des exploitants agricoles et des employeurs de main-d'œuvre agricole sont appelées par la MSA sur des assiettes et des options parfois mal choisies. Nous contrôlons l'assiette retenue, les options de calcul et l'application des exonérations, comme le dispositif travailleurs occasionnels demandeurs d'emploi (TO-DE), puis demandons la régularisation des cotisations trop versées.",
            slaDays: 90,
            typicalAmount: 2_000...40_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Ingénieur agronome", "Gestionnaire de paie certifié"]
        ),
        DemoScheme(
            code: "CIR",
            name: "Crédit d'impôt recherche",
            category: "innovation",
            description: "Le crédit d'impôt recherche finance une partie des dépenses de recherche et développement engagées par les entreprises : salaires des chercheurs, dotations aux amortissements, sous-traitance auprès d'organismes agréés. Le dossier technique doit démontrer l'existence de verrous scientifiques ou techniques et d'un état de l'art, et la déclaration se fait sur le formulaire 2069-A-SD.",
            slaDays: 150,
            typicalAmount: 20_000...500_000,
            certifications: ["Docteur en sciences (PhD)", "Avocat fiscaliste", "Expert-comptable inscrit à l'Ordre", "Consultant CIR agréé MESR"]
        ),
        DemoScheme(
            code: "CII",
            name: "Crédit d'impôt innovation",
            category: "innovation",
            description: "Réservé aux PME, le crédit d'impôt innovation porte sur les dépenses de conception de prototypes ou d'installations pilotes de produits nouveaux, dans la limite de 400 000 euros de dépenses par an. Il se déclare avec le crédit d'impôt recherche et suppose de démontrer la nouveauté du produit par rapport aux offres existantes sur le marché.",
            slaDays: 120,
            typicalAmount: 10_000...120_000,
            certifications: ["Docteur en sciences (PhD)", "Expert-comptable inscrit à l'Ordre", "Ingénieur diplômé (CTI)"]
        ),
        DemoScheme(
            code: "JEI",
            name: "Statut de jeune entreprise innovante",
            category: "innovation",
            description: "Les PME de moins de huit ans qui consacrent au moins 15 % de leurs charges à la recherche peuvent obtenir le statut de jeune entreprise innovante. Ce statut ouvre droit à une exonération de cotisations patronales sur les rémunérations du personnel de recherche. Nous sécurisons l'éligibilité, si besoin par un rescrit, et récupérons les exonérations non appliquées.",
            slaDays: 90,
            typicalAmount: 10_000...200_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Avocat fiscaliste", "Docteur en sciences (PhD)"]
        ),
        DemoScheme(
            code: "TVS",
            name: "Taxes annuelles sur les véhicules de tourisme (ex-TVS)",
            category: "tax",
            description: "Depuis 2022, l'ancienne taxe sur les véhicules de sociétés est remplacée par deux taxes annuelles, l'une sur les émissions de CO2 et l'autre sur les polluants atmosphériques. Nous vérifions la liste des véhicules déclarés, les exonérations applicables et la prise en compte des véhicules personnels remboursés en indemnités kilométriques.",
            slaDays: 45,
            typicalAmount: 1_000...30_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Avocat fiscaliste", "Diplôme d'expertise comptable (DEC)"]
        ),
        DemoScheme(
            code: "ALTERNANCE",
            name: "Aides à l'embauche en alternance et aides à l'emploi",
            category: "funding",
            description: "Les employeurs qui recrutent des apprentis ou des salariés en contrat de professionnalisation peuvent percevoir une aide de l'État versée par l'Agence de services et de paiement. Nous vérifions que chaque contrat éligible a bien été déposé et que les aides ont été versées pour toute la durée ouverte, puis relançons les dossiers incomplets.",
            slaDays: 60,
            typicalAmount: 2_000...40_000,
            certifications: ["Gestionnaire de paie certifié", "Expert-comptable inscrit à l'Ordre", "Consultant en formation professionnelle"]
        ),
        DemoScheme(
            code: "BPI",
            name: "Subventions Bpifrance et aides régionales",
            category: "funding",
            description: "Bpifrance et les conseils régionaux financent les projets d'innovation, d'investissement productif et de développement à l'international sous forme de subventions, d'avances remboursables ou de prêts. Nous identifions les appels à projets adaptés, montons le dossier et suivons les versements jusqu'au solde.",
            slaDays: 180,
            typicalAmount: 10_000...500_000,
            certifications: ["Expert-comptable inscrit à l'Ordre", "Consultant en financement de l'innovation", "Master Finance d'entreprise"]
        ),
    ]
}
