/**
 * The {@code sqlite} backend: {@link io.jbroker.store.sqlite.SqliteBackend} stores a master's
 * entries in one SQLite file in Broker's format, opened through {@link
 * io.jbroker.store.sqlite.SqliteBackendProvider} (options, durability and failure handling are
 * documented there).
 */
package io.jbroker.store.sqlite;
