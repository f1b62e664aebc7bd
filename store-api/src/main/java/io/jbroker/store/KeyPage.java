package io.jbroker.store;

import io.jbroker.data.Data;
import java.util.List;

/**
 * One page of a store's keys in canonical key order (see {@link Key}).
 *
 * @param keys the keys of this page
 * @param next the cursor for the next page (pass it as {@code after}), or {@code null} if this is
 *     the last page
 */
public record KeyPage(List<Data> keys, Data next) {
  public KeyPage {
    keys = List.copyOf(keys);
  }

  /** Whether more keys follow. */
  public boolean hasMore() {
    return next != null;
  }
}
