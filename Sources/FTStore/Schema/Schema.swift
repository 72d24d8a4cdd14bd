internal import GRDB

/// The database schema as named GRDB migrations. A shipped migration is never edited: a change to
/// the schema is a new migration appended at the end.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-people", migrate: createPeople)
        migrator.registerMigration("v1-dossiers", migrate: createDossiers)
        migrator.registerMigration("v1-exchanges", migrate: createExchanges)
        migrator.registerMigration("v1-notifications", migrate: createNotifications)
        migrator.registerMigration("v1-search", migrate: createSearch)
        migrator.registerMigration("v2-sync", migrate: createSync)
        migrator.registerMigration("v3-site-changes", migrate: createSiteChanges)
        migrator.registerMigration("v4-sync-compaction", migrate: createCompaction)
        migrator.registerMigration("v5-document-text", migrate: createDocumentText)
        migrator.registerMigration("v6-message-roles", migrate: createMessageRoles)
        migrator.registerMigration("v7-message-search-deferral", migrate: createMessageSearchDeferral)
        migrator.registerMigration("v8-sync-write-cost", migrate: reduceSyncWriteCost)
        migrator.registerMigration("v9-message-merge-state", migrate: moveMessageMergeState)
        migrator.registerMigration("v10-message-indexes", migrate: dropMessageConversationIndex)
        migrator.registerMigration("v11-operation-owners", migrate: recordOperationOwners)
        migrator.registerMigration("v12-blind-document-index", migrate: createBlindDocumentIndex)
        migrator.registerMigration("v13-notification-deliveries", migrate: createNotificationDeliveries)
        migrator.registerMigration("v14-push-subscriptions", migrate: createPushSubscriptions)
        migrator.registerMigration("v15-private-sync-records", migrate: createPrivateSyncRecords)
        migrator.registerMigration("v16-alerts", migrate: createAlerts)
        migrator.registerMigration("v17-performance-alerts", migrate: addPerformanceAlerts)
        migrator.registerMigration("v18-measured-activity", migrate: measureExpertActivity)
        migrator.registerMigration("v19-report-and-announcement-kinds", migrate: addReportAndAnnouncementKinds)
        migrator.registerMigration("v20-search-alerts", migrate: createSearchAlerts)
        migrator.registerMigration("v21-accounts", migrate: createAccounts)
        migrator.registerMigration("v22-expert-rejection-reason", migrate: addExpertRejectionReason)
        migrator.registerMigration("v23-expert-siret", migrate: addExpertSIRET)
        migrator.registerMigration("v24-account-deletion", migrate: addAccountDeletion)
        migrator.registerMigration("v25-dossier-opening", migrate: addDossierOpening)
        migrator.registerMigration("v26-document-ocr", migrate: rereadScannedDocuments)
        migrator.registerMigration("v27-routing-rating-index", migrate: addRoutingRatingIndex)
        return migrator
    }

    /// Tables whose rows every database starts with (settings with defaults, such as the alert
    /// rules): a database holding only these is empty.
    static let settingsTables: Set<String> = ["alertRule"]

    /// Every table that holds data, parents before children (the order rows can be inserted in).
    static let dataTables = [
        "user", "eligibleProduct", "workflowTemplate", "client", "expert", "expertSpecialty",
        "dossier", "expertAssignment", "dossierStep", "dossierEvent",
        "document", "documentVersion", "conversation", "message", "messageAttachment", "readReceipt",
        "rating", "notification", "notificationPreference", "notificationDelivery", "unsubscribeToken", "accountMail", "pushSubscription", "alertRule", "alert", "announcement", "auditLog",
        "session", "syncChange", "syncRejection", "syncRecord", "siteChange", "syncHorizon", "syncCompacted",
    ]
}
