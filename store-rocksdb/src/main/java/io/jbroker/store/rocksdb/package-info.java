/**
 * The {@code rocksdb} store backend: {@link io.jbroker.store.rocksdb.RocksDbBackend}, its options
 * ({@link io.jbroker.store.rocksdb.RocksDbConfig}) and its {@link
 * io.jbroker.store.BackendProvider}.
 */
package io.jbroker.store.rocksdb;
