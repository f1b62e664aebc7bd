package io.jbroker.store;

/**
 * Creates backends of one type; found through {@link java.util.ServiceLoader} (register the
 * implementation in {@code META-INF/services/io.jbroker.store.BackendProvider}). Use {@link
 * Backends#open(String, BackendOptions)} to open a backend by type name.
 */
public interface BackendProvider {
  /** The backend type name users give, e.g. {@code memory}, {@code sqlite}, {@code rocksdb}. */
  String type();

  /**
   * Opens a backend.
   *
   * @throws io.jbroker.error.BrokerException with {@code BACKEND_FAILURE} if it cannot be opened
   *     or an option is unknown or has a wrong value (the message names the option)
   */
  Backend open(BackendOptions options);
}
