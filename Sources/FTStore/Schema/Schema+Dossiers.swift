internal import GRDB

extension Schema {
    /// Dossiers, expert assignments and workflow steps.
    ///
    /// Delete rules: a dossier goes with its client (CASCADE) and takes its assignments and steps
    /// along (CASCADE); a product or an expert that a dossier or an assignment references cannot be
    /// deleted (RESTRICT: deactivate instead, the history must stay).
    static func createDossiers(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE dossier (
                id INTEGER PRIMARY KEY,
                clientId INTEGER NOT NULL REFERENCES client(id) ON DELETE CASCADE,
                productId INTEGER NOT NULL REFERENCES eligibleProduct(id) ON DELETE RESTRICT,
                status TEXT NOT NULL CONSTRAINT dossier_status
                    CHECK (status IN ('eligible', 'ineligible', 'in_progress', 'done', 'cancelled')),
                estimatedCents INTEGER NOT NULL CONSTRAINT dossier_estimated_cents CHECK (estimatedCents >= 0),
                obtainedCents INTEGER CONSTRAINT dossier_obtained_cents CHECK (obtainedCents IS NULL OR obtainedCents >= 0),
                createdAt DATETIME NOT NULL,
                updatedAt DATETIME NOT NULL,
                closedAt DATETIME,
                CONSTRAINT dossier_closed_has_date CHECK (status NOT IN ('ineligible', 'done', 'cancelled') OR closedAt IS NOT NULL)
            );
            CREATE INDEX dossier_clientId ON dossier(clientId, status);
            CREATE INDEX dossier_productId ON dossier(productId, status);
            CREATE INDEX dossier_status ON dossier(status, createdAt);

            CREATE TABLE expertAssignment (
                id INTEGER PRIMARY KEY,
                dossierId INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
                expertId INTEGER NOT NULL REFERENCES expert(id) ON DELETE RESTRICT,
                status TEXT NOT NULL CONSTRAINT expert_assignment_status
                    CHECK (status IN ('pending', 'assigned', 'in_progress', 'completed', 'cancelled')),
                requestedAt DATETIME NOT NULL,
                acceptedAt DATETIME,
                startedAt DATETIME,
                completedAt DATETIME,
                cancelledAt DATETIME,
                CONSTRAINT expert_assignment_completed_has_date CHECK (status <> 'completed' OR completedAt IS NOT NULL),
                CONSTRAINT expert_assignment_cancelled_has_date CHECK (status <> 'cancelled' OR cancelledAt IS NOT NULL)
            );
            CREATE INDEX expertAssignment_dossierId ON expertAssignment(dossierId);
            CREATE INDEX expertAssignment_expertId ON expertAssignment(expertId, status);
            CREATE INDEX expertAssignment_status ON expertAssignment(status, requestedAt);
            CREATE UNIQUE INDEX expertAssignment_one_open_per_expert ON expertAssignment(dossierId, expertId)
                WHERE status IN ('pending', 'assigned', 'in_progress');

            CREATE TABLE dossierStep (
                id INTEGER PRIMARY KEY,
                dossierId INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
                position INTEGER NOT NULL CONSTRAINT dossier_step_position CHECK (position >= 1),
                type TEXT NOT NULL CONSTRAINT dossier_step_type
                    CHECK (type IN ('validation', 'documentation', 'expertise', 'approval', 'payment')),
                status TEXT NOT NULL CONSTRAINT dossier_step_status
                    CHECK (status IN ('pending', 'in_progress', 'completed', 'overdue')),
                priority TEXT NOT NULL CONSTRAINT dossier_step_priority CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
                assigneeRole TEXT NOT NULL CONSTRAINT dossier_step_assignee_role CHECK (assigneeRole IN ('client', 'expert', 'admin')),
                progress INTEGER NOT NULL DEFAULT 0 CONSTRAINT dossier_step_progress CHECK (progress BETWEEN 0 AND 100),
                dueAt DATETIME,
                completedAt DATETIME,
                updatedAt DATETIME NOT NULL,
                CONSTRAINT dossier_step_position_unique UNIQUE (dossierId, position),
                CONSTRAINT dossier_step_completed_is_full CHECK (status <> 'completed' OR (progress = 100 AND completedAt IS NOT NULL))
            );
            CREATE INDEX dossierStep_open_due ON dossierStep(status, dueAt) WHERE status <> 'completed';
            """)
    }
}
