#ifndef CSQLITETUNING_H
#define CSQLITETUNING_H

/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS) for the whole process: with
/// them on, every allocation and free inside SQLite takes one global mutex. `sqlite3_config` is
/// variadic, which Swift cannot call, hence this C wrapper. Must run before the first connection
/// opens; returns SQLite's result code (SQLITE_MISUSE once SQLite is already initialized).
int ft_sqlite_disable_memory_statistics(void);

#endif
